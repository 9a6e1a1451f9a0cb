/**
 * AWS rules for the managed data plane: S3 buckets closed to the public, encrypted, versioned on
 * prod, expiring their transient prefixes (ScaiDrive's lifecycle) and refusing plain HTTP; RDS
 * encrypted and private, with backups, deletion protection and Multi-AZ on prod; ElastiCache
 * encrypted with an auth token; IAM policies naming their buckets.
 *
 * In AWS provider v7 a bucket's settings are separate resources pointing at it by its `bucket`
 * input, so the S3 rules are stack rules that join each setting to its bucket.
 */
import { PolicyResource, ResourceRule, StackRule, Violation, asList, policyDocument } from "./rule";

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  rdsInstance: "aws:rds/instance:Instance",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  elasticacheParameterGroup: "aws:elasticache/parameterGroup:ParameterGroup",
  iamPolicies: ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"],
} as const;

/**
 * Bucket tags through which a bucket declares its object prefixes (space-separated, since AWS tag
 * values allow no commas): transient ones must expire, retained ones must never expire.
 */
export const TRANSIENT_PREFIXES_TAG = "scai:transient-prefixes";
export const RETAINED_PREFIXES_TAG = "scai:retained-prefixes";

/** Prefixes the systems name, for a system's buckets whether or not they carry the tags. */
export const SEED_PREFIXES: Record<string, { transient: Array<{ prefix: string; maxDays: number }>; retained: string[] }> = {
  // ScaiDrive: uploads/ deleted after 48 hours; chunks/ never expire (ScaiDrive GCs them).
  scaidrive: { transient: [{ prefix: "uploads/", maxDays: 2 }], retained: ["chunks/", "avatars/"] },
};

const physicalName = (b: PolicyResource): string | undefined => (typeof b.props.bucket === "string" ? b.props.bucket : undefined);

/** Whether a bucket setting resource belongs to bucket `b` (by name, ID or recorded input dependency). */
export function settingOf(setting: PolicyResource, b: PolicyResource): boolean {
  const ref = setting.props.bucket;
  if (ref !== undefined && (ref === physicalName(b) || ref === b.id)) return true;
  return (setting.propertyDependencies?.bucket ?? []).includes(b.urn);
}

function bucketRule(name: string, description: string, prodOnly: boolean,
  judge: (bucket: PolicyResource, settings: (type: string) => PolicyResource[]) => string | undefined): StackRule {
  return {
    kind: "stack", name, description, prodOnly,
    check(resources) {
      return resources.filter(r => r.type === T.bucket).flatMap((b): Violation[] => {
        const problem = judge(b, type => resources.filter(r => r.type === type && settingOf(r, b)));
        return problem ? [{ urn: b.urn, message: `bucket ${physicalName(b) ?? b.name}: ${problem}` }] : [];
      });
    },
  };
}

export const s3PublicAccessBlock = bucketRule(
  "s3-public-access-block",
  "Every bucket has a BucketPublicAccessBlock with all four switches on (block and ignore public ACLs, block public policies, restrict public buckets).",
  false,
  (_b, settings) => {
    const blocks = settings(T.publicAccessBlock);
    const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    if (blocks.length === 0) return "has no BucketPublicAccessBlock";
    const off = flags.filter(f => !blocks.some(p => p.props[f] === true));
    return off.length ? `public access block leaves ${off.join(", ")} off` : undefined;
  },
);

export const s3Encryption = bucketRule(
  "s3-encryption",
  "Every bucket has a BucketServerSideEncryptionConfiguration applying AES256 or aws:kms by default.",
  false,
  (_b, settings) => {
    const algorithms = settings(T.encryption).flatMap(e => asList(e.props.rules)).map((rule: any) => rule?.applyServerSideEncryptionByDefault?.sseAlgorithm);
    return algorithms.some(a => ["AES256", "aws:kms", "aws:kms:dsse"].includes(a)) ? undefined : "has no default server-side encryption configuration";
  },
);

export const s3VersioningOnProd = bucketRule(
  "s3-versioning-on-prod",
  "On prod every bucket has BucketVersioning with status Enabled, so an overwrite or delete can be undone.",
  true,
  (_b, settings) => settings(T.versioning).some(v => v.props.versioningConfiguration?.status === "Enabled") ? undefined : "versioning is not Enabled",
);

interface LifecycleRuleProps {
  status?: string;
  filter?: { prefix?: string; and?: { prefix?: string } };
  prefix?: string;
  expiration?: { days?: number; date?: string };
}

function rulePrefix(rule: LifecycleRuleProps): string {
  return rule.filter?.prefix ?? rule.filter?.and?.prefix ?? rule.prefix ?? "";
}

/** The transient and retained prefixes of a bucket: its tags plus the table above for its system. */
export function bucketPrefixes(b: PolicyResource): { transient: Array<{ prefix: string; maxDays?: number }>; retained: string[] } {
  const tags = b.props.tags ?? {};
  const words = (v: unknown) => (typeof v === "string" ? v.split(/\s+/).filter(Boolean) : []);
  const transient: Array<{ prefix: string; maxDays?: number }> = words(tags[TRANSIENT_PREFIXES_TAG]).map(prefix => ({ prefix }));
  const retained = words(tags[RETAINED_PREFIXES_TAG]);
  // Physical bucket names are scai-<environment>-<system>-<purpose> (packages/platform-components/src/components/naming.ts).
  const name = physicalName(b) ?? "";
  for (const [system, seed] of Object.entries(SEED_PREFIXES)) {
    if (!name.split("-").includes(system)) continue;
    for (const t of seed.transient) {
      const known = transient.find(x => x.prefix === t.prefix);
      if (known) known.maxDays = t.maxDays; else transient.push({ ...t });
    }
    retained.push(...seed.retained.filter(p => !retained.includes(p)));
  }
  return { transient, retained };
}

export const s3TransientPrefixLifecycle = bucketRule(
  "s3-transient-prefix-lifecycle",
  `A bucket with transient prefixes (tag ${TRANSIENT_PREFIXES_TAG}, or the systems' own: ScaiDrive's uploads/ within 2 days) has an enabled lifecycle rule expiring each of them, and no rule expires a retained prefix (ScaiDrive's chunks/).`,
  false,
  (b, settings) => {
    const { transient, retained } = bucketPrefixes(b);
    if (transient.length === 0 && retained.length === 0) return undefined;
    const expiring = settings(T.lifecycle).flatMap(l => asList<LifecycleRuleProps>(l.props.rules))
      .filter(r => r?.status === "Enabled" && (r.expiration?.days !== undefined || r.expiration?.date !== undefined));
    const problems: string[] = [];
    for (const t of transient) {
      const covering = expiring.filter(r => t.prefix.startsWith(rulePrefix(r)));
      if (covering.length === 0) problems.push(`no enabled lifecycle rule expires ${t.prefix}`);
      else if (t.maxDays !== undefined && !covering.some(r => r.expiration?.days !== undefined && r.expiration.days <= t.maxDays!)) {
        problems.push(`${t.prefix} must expire within ${t.maxDays} days (got ${covering.map(r => r.expiration?.days ?? r.expiration?.date).join(", ")})`);
      }
    }
    for (const p of retained) {
      const killers = expiring.filter(r => p.startsWith(rulePrefix(r)));
      if (killers.length) problems.push(`retained prefix ${p} would expire under a rule with prefix "${rulePrefix(killers[0])}"`);
    }
    return problems.length ? problems.join("; ") : undefined;
  },
);

/** Whether a statement denies every S3 request made without TLS. */
function deniesInsecureTransport(s: any): boolean {
  const principalAll = s.Principal === "*" || asList(s.Principal?.AWS).includes("*");
  const actions = asList<string>(s.Action);
  const condition = s.Condition?.Bool?.["aws:SecureTransport"];
  return s.Effect === "Deny" && principalAll && (actions.includes("s3:*") || actions.includes("*"))
    && asList(condition).map(String).includes("false");
}

export const s3TlsOnly = bucketRule(
  "s3-tls-only",
  "Every bucket has a BucketPolicy denying all S3 actions to any principal when aws:SecureTransport is false.",
  false,
  (_b, settings) => {
    const statements = settings(T.bucketPolicy).flatMap(p => asList(policyDocument(p.props.policy)?.Statement));
    return statements.some(deniesInsecureTransport) ? undefined : "has no bucket policy denying requests without TLS (aws:SecureTransport false)";
  },
);

export const rdsEncryptedPrivate: ResourceRule = {
  kind: "resource",
  name: "rds-encrypted-private",
  description: "RDS instances have encrypted storage and are not publicly accessible (a read replica inherits its source's encryption).",
  check(r) {
    if (r.type !== T.rdsInstance) return [];
    const p = r.props;
    const v: string[] = [];
    const replica = Boolean(p.replicateSourceDb);
    if (p.storageEncrypted !== true && !(replica && p.storageEncrypted === undefined)) v.push(`RDS instance ${p.identifier ?? r.name}: storage is not encrypted`);
    if (p.publiclyAccessible === true) v.push(`RDS instance ${p.identifier ?? r.name}: publicly accessible`);
    return v;
  },
};

export const rdsProdResilience: ResourceRule = {
  kind: "resource",
  name: "rds-prod-resilience",
  prodOnly: true,
  description: "On prod a primary RDS instance keeps automated backups at least 7 days, has deletion protection and runs Multi-AZ.",
  check(r) {
    if (r.type !== T.rdsInstance || r.props.replicateSourceDb) return [];
    const p = r.props;
    const at = `RDS instance ${p.identifier ?? r.name}:`;
    const v: string[] = [];
    if (!(Number(p.backupRetentionPeriod) >= 7)) v.push(`${at} backupRetentionPeriod is ${p.backupRetentionPeriod ?? "unset"}, needs >= 7 days`);
    if (p.deletionProtection !== true) v.push(`${at} deletionProtection is not true`);
    if (p.multiAz !== true) v.push(`${at} multiAz is not true`);
    return v;
  },
};

const isTrue = (v: unknown) => v === true || v === "true";

export const elasticacheEncryptionAuth: ResourceRule = {
  kind: "resource",
  name: "elasticache-encryption-auth",
  description: "ElastiCache replication groups encrypt at rest and in transit and require an auth token (or RBAC user groups) to connect.",
  check(r) {
    if (r.type !== T.replicationGroup) return [];
    const p = r.props;
    const at = `ElastiCache ${p.replicationGroupId ?? r.name}:`;
    const v: string[] = [];
    if (!isTrue(p.atRestEncryptionEnabled)) v.push(`${at} at-rest encryption is off`);
    if (!isTrue(p.transitEncryptionEnabled)) v.push(`${at} in-transit encryption is off`);
    const hasToken = (typeof p.authToken === "string" && p.authToken.length > 0) || (p.authToken !== undefined && typeof p.authToken === "object");
    if (!hasToken && asList(p.userGroupIds).length === 0) v.push(`${at} no auth token`);
    return v;
  },
};

/** Whether an action pattern can match an S3 action. */
function coversS3(action: string): boolean {
  return action === "*" || action.toLowerCase().startsWith("s3:");
}

/** Whether a resource pattern spans every bucket (or everything). */
function allBuckets(resource: string): boolean {
  return resource === "*" || /^arn:aws[a-z-]*:s3:::\*/.test(resource);
}

export const iamNoWildcardS3: ResourceRule = {
  kind: "resource",
  name: "iam-no-wildcard-s3-resources",
  description: "IAM policies never allow S3 actions on `*` or every bucket: each statement names its own bucket (least privilege across environments).",
  check(r) {
    if (!(T.iamPolicies as readonly string[]).includes(r.type)) return [];
    const doc = policyDocument(r.props.policy);
    if (!doc) return [];
    return asList(doc.Statement).flatMap((s: any, i: number) => {
      if (s?.Effect !== "Allow" || !asList<string>(s.Action).some(coversS3)) return [];
      if (s.NotResource !== undefined) return [`${r.name}: statement ${s.Sid ?? i} allows S3 actions with NotResource`];
      const wide = asList<string>(s.Resource).filter(x => typeof x === "string" && allBuckets(x));
      return wide.length ? [`${r.name}: statement ${s.Sid ?? i} allows S3 actions on ${wide.join(", ")}`] : [];
    });
  },
};

/** Engines RDS offers Extended Support for: their instances must say whether they use it. */
const EXTENDED_SUPPORT_ENGINES = ["mysql", "postgres"];

export const rdsReplaceableSafely: ResourceRule = {
  kind: "resource",
  name: "rds-replace-safely",
  description: "A primary RDS instance ends in a final snapshot (skipFinalSnapshot false, an identifier that changes with each replacement), can take a major upgrade (allowMajorVersionUpgrade), grows its storage (maxAllocatedStorage above allocatedStorage), and states its Extended Support choice (engineLifecycleSupport) where RDS offers one.",
  check(r) {
    if (r.type !== T.rdsInstance || r.props.replicateSourceDb) return [];
    const p = r.props;
    const at = `RDS instance ${p.identifier ?? r.name}:`;
    const v: string[] = [];
    if (isTrue(p.skipFinalSnapshot) || typeof p.finalSnapshotIdentifier !== "string") v.push(`${at} deleting it (a replacement does) takes no final snapshot`);
    else if (p.finalSnapshotIdentifier === `${p.identifier}-final`) v.push(`${at} finalSnapshotIdentifier ${p.finalSnapshotIdentifier} is fixed: a second replacement fails with DBSnapshotAlreadyExists`);
    if (!isTrue(p.allowMajorVersionUpgrade)) v.push(`${at} allowMajorVersionUpgrade is not true: AWS rejects a major engineVersion change`);
    if (!(Number(p.maxAllocatedStorage) > Number(p.allocatedStorage))) v.push(`${at} maxAllocatedStorage (${p.maxAllocatedStorage ?? "unset"}) is not above allocatedStorage (${p.allocatedStorage}): no storage autoscaling`);
    if (EXTENDED_SUPPORT_ENGINES.includes(p.engine) && typeof p.engineLifecycleSupport !== "string") v.push(`${at} engineLifecycleSupport is unset: Extended Support would be billed by default`);
    return v;
  },
};

export const parameterGroupsAutoNamed: ResourceRule = {
  kind: "resource",
  name: "parameter-groups-auto-named",
  description: "RDS and ElastiCache parameter groups have no fixed name (namePrefix or auto-name), so a family change creates the new group before AWS is asked to delete the attached old one.",
  check(r) {
    if ((r.type !== T.rdsParameterGroup && r.type !== T.elasticacheParameterGroup) || typeof r.props.name !== "string") return [];
    const fix = r.type === T.rdsParameterGroup ? "use namePrefix" : "leave it auto-named";
    return [`parameter group ${r.props.name}: a fixed name makes a family change delete it first, which AWS refuses while it is attached; ${fix}`];
  },
};

export const elasticacheSnapshots: ResourceRule = {
  kind: "resource",
  name: "elasticache-snapshots",
  description: "An ElastiCache replication group ends in a final snapshot when deleted or replaced, and on prod keeps daily snapshots (snapshotRetentionLimit >= 1).",
  check(r, ctx) {
    if (r.type !== T.replicationGroup) return [];
    const p = r.props;
    const at = `ElastiCache ${p.replicationGroupId ?? r.name}:`;
    const v: string[] = [];
    if (typeof p.finalSnapshotIdentifier !== "string") v.push(`${at} deleting it (a replacement does) takes no final snapshot`);
    if (ctx.prod && !(Number(p.snapshotRetentionLimit) >= 1)) v.push(`${at} snapshotRetentionLimit is ${p.snapshotRetentionLimit ?? "unset"}, needs >= 1 day on prod`);
    return v;
  },
};

export const s3NoForceDestroy: ResourceRule = {
  kind: "resource",
  name: "s3-no-force-destroy",
  description: "No bucket is forceDestroy: deleting or replacing one that holds objects must fail rather than empty it.",
  check(r) {
    if (r.type !== T.bucket || !isTrue(r.props.forceDestroy)) return [];
    return [`bucket ${r.props.bucket ?? r.name}: forceDestroy empties it on delete or replacement`];
  },
};

export const awsRules = [
  s3PublicAccessBlock,
  s3Encryption,
  s3VersioningOnProd,
  s3TransientPrefixLifecycle,
  s3TlsOnly,
  rdsEncryptedPrivate,
  rdsProdResilience,
  elasticacheEncryptionAuth,
  iamNoWildcardS3,
  rdsReplaceableSafely,
  parameterGroupsAutoNamed,
  elasticacheSnapshots,
  s3NoForceDestroy,
];
