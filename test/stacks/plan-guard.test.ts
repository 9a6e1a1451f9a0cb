/** The driver's destructive-change guard: which planned steps lose data, and what the operator allowed. */
import * as assert from "assert";
import { PlannedStep, STATEFUL_TYPES, destructiveSteps, formatAllowed, formatRefusal, judgePlan, urnName } from "../../tools/plan-guard";
import { collectSteps } from "../../tools/driver";

const urn = (type: string, name: string, parents = "scai:system:ScaiDrive") => `urn:pulumi:prod::scai-platform::${parents}$${type}::${name}`;
const DB = urn("aws:rds/instance:Instance", "scai-prod-scaidrive-mariadb");
const STS = urn("kubernetes:apps/v1:StatefulSet", "scaidrive-mariadb");
const BUCKET = urn("aws:s3/bucket:Bucket", "scai-prod-scaidrive-files");
const DEPLOY = urn("kubernetes:apps/v1:Deployment", "scaidrive-api");

/** The steps a preview reports for a replacement: the create of the new one, the replace, then the delete of the old. */
const replacement = (u: string, type: string): PlannedStep[] =>
  ["create-replacement", "replace", "delete-replaced"].map(op => ({ op, urn: u, type }));

describe("plan guard", () => {
  const plan: PlannedStep[] = [
    { op: "same", urn: urn("aws:rds/parameterGroup:ParameterGroup", "p"), type: "aws:rds/parameterGroup:ParameterGroup" },
    { op: "update", urn: urn("aws:rds/instance:Instance", "other-db"), type: "aws:rds/instance:Instance" },
    ...replacement(DB, "aws:rds/instance:Instance"),
    ...replacement(STS, "kubernetes:apps/v1:StatefulSet"),
    { op: "delete", urn: BUCKET, type: "aws:s3/bucket:Bucket" },
    ...replacement(DEPLOY, "kubernetes:apps/v1:Deployment"),
    { op: "create", urn: urn("kubernetes:core/v1:PersistentVolumeClaim", "new"), type: "kubernetes:core/v1:PersistentVolumeClaim" },
  ];

  it("finds each stateful resource replaced or deleted once, and nothing stateless or merely updated", () => {
    assert.deepStrictEqual(destructiveSteps(plan).map(f => [f.name, f.kind, f.action]), [
      ["scai-prod-scaidrive-mariadb", "RDS database", "replace"],
      ["scaidrive-mariadb", "StatefulSet", "replace"],
      ["scai-prod-scaidrive-files", "S3 bucket", "delete"],
    ]);
  });

  it("covers databases, caches, buckets, StatefulSets, volume claims, Secrets and generated credentials", () => {
    for (const t of [
      "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket", "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:Secret", "random:index/randomPassword:RandomPassword", "aws:secretsmanager/secret:Secret",
    ]) assert.ok(STATEFUL_TYPES[t], t);
  });

  it("a delete-replaced step alone (the second half of a delete-before-replace) still counts as a replacement", () => {
    assert.deepStrictEqual(destructiveSteps([{ op: "delete-replaced", urn: DB, type: "aws:rds/instance:Instance" }]).map(f => f.action), ["replace"]);
  });

  it("refuses every finding unless allowed by URN or by name; --allow-data-loss allows all", () => {
    const none = judgePlan(plan, { names: [], all: false });
    assert.deepStrictEqual(none.refused.map(f => f.name), ["scai-prod-scaidrive-mariadb", "scaidrive-mariadb", "scai-prod-scaidrive-files"]);
    const some = judgePlan(plan, { names: [DB, "scaidrive-mariadb", "typo-db"], all: false });
    assert.deepStrictEqual(some.refused.map(f => f.name), ["scai-prod-scaidrive-files"]);
    assert.deepStrictEqual(some.allowed.map(f => f.name), ["scai-prod-scaidrive-mariadb", "scaidrive-mariadb"]);
    assert.deepStrictEqual(some.unused, ["typo-db"]);
    const all = judgePlan(plan, { names: [], all: true });
    assert.deepStrictEqual([all.refused.length, all.allowed.length], [0, 3]);
  });

  it("the refusal names each resource with its URN and how to allow it; allowed ones are logged", () => {
    const v = judgePlan(plan, { names: ["typo-db"], all: false });
    const text = formatRefusal("prod", v);
    assert.match(text, /^the plan for stack prod would replace or delete 3 resources that hold data:/);
    assert.ok(text.includes(`  replaces RDS database scai-prod-scaidrive-mariadb (${DB})`), text);
    assert.ok(text.includes(`  deletes S3 bucket scai-prod-scaidrive-files (${BUCKET})`), text);
    assert.ok(text.includes("--allow-replace <urn-or-name> (repeatable), or all of them with --allow-data-loss"), text);
    assert.ok(text.includes('(--allow-replace "typo-db" matched nothing in this plan)'), text);
    assert.deepStrictEqual(formatAllowed(judgePlan(plan, { names: [BUCKET], all: false })), [`allowed: deletes S3 bucket scai-prod-scaidrive-files (${BUCKET})`]);
  });

  it("reads the steps from the Automation API's resourcePreEvents only", () => {
    const steps: PlannedStep[] = [];
    const on = collectSteps(steps);
    on({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op: "replace", urn: STS, type: "kubernetes:apps/v1:StatefulSet", provider: "p" } } });
    on({ sequence: 2, timestamp: 0, resOutputsEvent: { metadata: { op: "replace", urn: DB, type: "aws:rds/instance:Instance", provider: "p" } } });
    on({ sequence: 3, timestamp: 0, diagnosticEvent: { message: "x", color: "never", severity: "info" } });
    assert.deepStrictEqual(steps, [{ op: "replace", urn: STS, type: "kubernetes:apps/v1:StatefulSet" }]);
    assert.strictEqual(urnName(STS), "scaidrive-mariadb");
  });
});
