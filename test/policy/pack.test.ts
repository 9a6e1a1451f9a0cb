import * as assert from "assert";
import { policies } from "../../policy/pack";
import { allRules, policyContext } from "../../policy/rules/index";
import { DEV, PROD, deployment, pod, resource } from "./fixtures";

/** Calls a CrossGuard policy the way the analyzer does and collects what it reports. */
function run(policy: any, args: any): Array<{ message: string; urn?: string }> {
  const reported: Array<{ message: string; urn?: string }> = [];
  const report = (message: string, urn?: string) => reported.push({ message, urn });
  if (policy.validateResource) policy.validateResource(args, report);
  else policy.validateStack(args, report);
  return reported;
}

describe("policy: the CrossGuard pack", () => {
  it("is mandatory on prod (by stack name or profile) and advisory on local and dev", () => {
    assert.deepStrictEqual(new Set(policies(allRules, PROD).map(p => p.enforcementLevel)), new Set(["mandatory"]));
    assert.deepStrictEqual(new Set(policies(allRules, DEV).map(p => p.enforcementLevel)), new Set(["advisory"]));
    assert.strictEqual(policyContext("eu-live", "prod").prod, true);
    assert.strictEqual(policyContext("local").prod, false);
  });

  it("names each of its 25 policies uniquely, with a description", () => {
    const names = policies(allRules, PROD).map(p => p.name);
    assert.strictEqual(names.length, 25);
    assert.strictEqual(new Set(names).size, names.length);
    for (const p of policies(allRules, PROD)) {
      assert.match(p.name, /^[a-z0-9-]+$/);
      assert.ok(p.description.length > 40, `${p.name} needs a description`);
    }
  });

  it("reports a resource rule's violations through validateResource", () => {
    const host = policies(allRules, PROD).find(p => p.name === "k8s-host-network-smtp-only")!;
    const d = deployment("api", pod({ hostNetwork: true }));
    assert.deepStrictEqual(run(host, { ...d, isType: () => false }), [
      { message: "api: hostNetwork is set but the pod's app.kubernetes.io/component is api, not smtp", urn: undefined },
    ]);
  });

  it("reports a stack rule's violations against the offending resource, joining settings by property dependency", () => {
    const block = policies(allRules, DEV).find(p => p.name === "s3-public-access-block")!;
    const bucket = { ...resource("aws:s3/bucket:Bucket", "files", { bucket: "scai-dev-scaidrive-files" }), propertyDependencies: {} };
    const pab = {
      ...resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "files", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false }),
      propertyDependencies: { bucket: [bucket] },
    };
    assert.deepStrictEqual(run(block, { resources: [bucket, pab] }), [
      { message: "bucket scai-dev-scaidrive-files: public access block leaves restrictPublicBuckets off", urn: bucket.urn },
    ]);
  });

  it("skips prod-only rules off prod", () => {
    const nodePort = policies(allRules, DEV).find(p => p.name === "k8s-no-nodeport-on-prod")!;
    const svc = resource("kubernetes:core/v1:Service", "api", { kind: "Service", metadata: { name: "api" }, spec: { type: "NodePort" } });
    assert.deepStrictEqual(run(nodePort, svc), []);
  });
});
