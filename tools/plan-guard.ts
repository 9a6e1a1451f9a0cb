/**
 * The driver's guard against destructive plans: which steps of a preview replace or delete a
 * resource that holds data (a database, a cache, a bucket, a StatefulSet or a volume claim, a
 * Secret or a generated credential, a KMS key), and which of those the operator allowed.
 *
 * Pure: it reads the steps the engine reports (`resourcePreEvent`s of the Automation API, the
 * same records `pulumi preview --json` lists) and is unit-tested without an engine
 * (test/stacks/plan-guard.test.ts). The driver refuses a run with EXIT.destructive when
 * anything is left unallowed (tools/driver.ts).
 */

/** A step as the engine reports it: the operation, the resource's URN and type. */
export interface PlannedStep {
  op: string;
  urn: string;
  type: string;
}

/**
 * Resource types whose replacement or deletion loses data, with what an operator calls them.
 * A replacement of one of them deletes the old one: its rows, objects, queued jobs or volumes go
 * with it unless a snapshot or the replacement itself carries them over.
 */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  "aws:rds/instance:Instance": "RDS database",
  "aws:rds/cluster:Cluster": "RDS cluster",
  "aws:rds/clusterInstance:ClusterInstance": "RDS cluster instance",
  "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache replication group",
  "aws:elasticache/cluster:Cluster": "ElastiCache cluster",
  "aws:s3/bucket:Bucket": "S3 bucket",
  "aws:s3/bucketV2:BucketV2": "S3 bucket",
  // Deleting the key makes everything encrypted under it unreadable after its waiting period.
  "aws:kms/key:Key": "KMS key",
  "aws:secretsmanager/secret:Secret": "Secrets Manager secret",
  "kubernetes:apps/v1:StatefulSet": "StatefulSet",
  "kubernetes:core/v1:PersistentVolumeClaim": "PersistentVolumeClaim",
  "kubernetes:core/v1:PersistentVolume": "PersistentVolume",
  // App Secrets hold generated credentials that live data (a database's users, a token) is locked with.
  "kubernetes:core/v1:Secret": "Secret",
  // A new value locks apps out of data stores that still hold the old one until both are rolled.
  "random:index/randomPassword:RandomPassword": "generated credential",
};

/** Operations that remove a resource (a replacement is reported as up to three of these). */
const DESTRUCTIVE_OPS: Readonly<Record<string, "replace" | "delete">> = {
  "replace": "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "import-replacement": "replace",
  "delete": "delete",
};

/** A stateful resource the plan replaces or deletes. */
export interface Finding {
  urn: string;
  /** The resource's Pulumi name (the last part of its URN). */
  name: string;
  type: string;
  /** STATEFUL_TYPES' word for the type. */
  kind: string;
  action: "replace" | "delete";
}

/** What the operator allowed: URNs or resource names (`--allow-replace`, repeatable), or everything (`--allow-data-loss`). */
export interface Allowance {
  names: readonly string[];
  all: boolean;
}

export interface GuardVerdict {
  /** Stateful resources replaced or deleted without an allowance: the run must stop. */
  refused: Finding[];
  /** Those allowed, to be named in the output all the same. */
  allowed: Finding[];
  /** `--allow-replace` values that match nothing in the plan (a typo lets nothing through, but says so). */
  unused: string[];
}

/** The resource name in a URN: `urn:pulumi:<stack>::<project>::<type chain>::<name>`. */
export function urnName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** The stateful resources a plan replaces or deletes, one finding per resource (a replacement's steps folded). */
export function destructiveSteps(steps: readonly PlannedStep[]): Finding[] {
  const byUrn = new Map<string, Finding>();
  for (const s of steps) {
    const action = DESTRUCTIVE_OPS[s.op];
    const kind = STATEFUL_TYPES[s.type];
    if (action === undefined || kind === undefined) continue;
    const seen = byUrn.get(s.urn);
    // A replacement also reports its delete-replaced half: keep "replace".
    if (seen === undefined) byUrn.set(s.urn, { urn: s.urn, name: urnName(s.urn), type: s.type, kind, action });
    else if (action === "replace") seen.action = "replace";
  }
  return [...byUrn.values()];
}

/** Splits the plan's destructive steps into refused and allowed. */
export function judgePlan(steps: readonly PlannedStep[], allow: Allowance): GuardVerdict {
  const findings = destructiveSteps(steps);
  const matches = (f: Finding, a: string) => a === f.urn || a === f.name;
  const allowedOne = (f: Finding) => allow.all || allow.names.some(a => matches(f, a));
  return {
    refused: findings.filter(f => !allowedOne(f)),
    allowed: findings.filter(allowedOne),
    unused: allow.names.filter(a => !findings.some(f => matches(f, a))),
  };
}

/** The refusal, one line per resource, and how to let it through. */
export function formatRefusal(stack: string, v: GuardVerdict): string {
  const lines = [
    `the plan for stack ${stack} would ${v.refused.length === 1 ? "replace or delete a resource that holds data" : `replace or delete ${v.refused.length} resources that hold data`}:`,
    ...v.refused.map(f => `  ${f.action === "replace" ? "replaces" : "deletes"} ${f.kind} ${f.name} (${f.urn})`),
    "nothing was changed. Check the backups (docs/aws.md, \"Replacements\"), then allow each one with",
    `  --allow-replace <urn-or-name> (repeatable), or all of them with --allow-data-loss`,
  ];
  if (v.unused.length > 0) lines.push(`(--allow-replace ${v.unused.map(u => JSON.stringify(u)).join(", ")} matched nothing in this plan)`);
  return lines.join("\n");
}

/** What the run goes ahead with, for the log: allowed replacements are named, never silent. */
export function formatAllowed(v: GuardVerdict): string[] {
  return v.allowed.map(f => `allowed: ${f.action === "replace" ? "replaces" : "deletes"} ${f.kind} ${f.name} (${f.urn})`);
}
