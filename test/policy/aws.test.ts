import * as assert from "assert";
import {
  RETAINED_PREFIXES_TAG, T, TRANSIENT_PREFIXES_TAG, elasticacheEncryptionAuth, elasticacheSnapshots, iamNoWildcardS3, parameterGroupsAutoNamed,
  rdsEncryptedPrivate, rdsProdResilience, rdsReplaceableSafely, s3Encryption, s3NoForceDestroy, s3PublicAccessBlock, s3TlsOnly,
  s3TransientPrefixLifecycle, s3VersioningOnProd,
} from "../../policy/rules/aws";
import { PolicyResource } from "../../policy/rules/index";
import { PROD, resource, violations } from "./fixtures";

const NAME = "scai-prod-scaidrive-files";
const ARN = `arn:aws:s3:::${NAME}`;
const bucket = (tags?: Record<string, string>, name = NAME) => resource(T.bucket, "scaidrive-files", { bucket: name, tags });
/** A bucket setting resource pointing at the bucket by name, as `bucket: b.bucket` does. */
const setting = (type: string, props: Record<string, any>, name = NAME) => resource(type, `${name}-${type.split(":").pop()}`, { bucket: name, ...props });

const tlsOnly = {
  Version: "2012-10-17",
  Statement: [{
    Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
    Resource: [ARN, `${ARN}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } },
  }],
};

const lifecycle = (rules: any[]) => setting(T.lifecycle, { rules });
const expire = (id: string, prefix: string, days: number) => ({ id, status: "Enabled", filter: { prefix }, expiration: { days } });

describe("policy: AWS rules", () => {
  describe("s3-public-access-block", () => {
    const block = (over: Record<string, boolean> = {}) => setting(T.publicAccessBlock, {
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...over,
    });

    it("passes a bucket whose access block has all four switches on", () => {
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [bucket(), block()]), []);
    });

    it("joins a setting to its bucket by ID or recorded input dependency, not only by name", () => {
      const b: PolicyResource = { ...bucket(), id: "b-123" };
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [b, setting(T.publicAccessBlock, { ...block().props, bucket: "b-123" })]), []);
      const viaDependency = { ...block(), props: { ...block().props, bucket: undefined }, propertyDependencies: { bucket: [b.urn] } };
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [b, viaDependency]), []);
    });

    it("flags a bucket without a block, and one with a switch off", () => {
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [bucket()]), [`bucket ${NAME}: has no BucketPublicAccessBlock`]);
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [bucket(), block({ restrictPublicBuckets: false })]), [
        `bucket ${NAME}: public access block leaves restrictPublicBuckets off`,
      ]);
    });

    it("does not count another bucket's block", () => {
      const otherBucketsBlock = setting(T.publicAccessBlock, { ...block().props, bucket: "scai-prod-other" });
      assert.deepStrictEqual(violations(s3PublicAccessBlock, [bucket(), otherBucketsBlock]), [`bucket ${NAME}: has no BucketPublicAccessBlock`]);
    });
  });

  describe("s3-encryption", () => {
    it("passes aws:kms default encryption", () => {
      const sse = setting(T.encryption, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/k" }, bucketKeyEnabled: true }] });
      assert.deepStrictEqual(violations(s3Encryption, [bucket(), sse]), []);
    });

    it("flags a bucket without a default encryption configuration", () => {
      assert.deepStrictEqual(violations(s3Encryption, [bucket()]), [`bucket ${NAME}: has no default server-side encryption configuration`]);
    });
  });

  describe("s3-versioning-on-prod", () => {
    it("passes Enabled versioning on prod", () => {
      assert.deepStrictEqual(violations(s3VersioningOnProd, [bucket(), setting(T.versioning, { versioningConfiguration: { status: "Enabled" } })], PROD), []);
    });

    it("flags Suspended versioning on prod, not on dev", () => {
      const suspended = [bucket(), setting(T.versioning, { versioningConfiguration: { status: "Suspended" } })];
      assert.deepStrictEqual(violations(s3VersioningOnProd, suspended, PROD), [`bucket ${NAME}: versioning is not Enabled`]);
      assert.deepStrictEqual(violations(s3VersioningOnProd, suspended), []);
    });
  });

  describe("s3-transient-prefix-lifecycle", () => {
    it("passes ScaiDrive's bucket expiring uploads/ after 2 days and keeping chunks/", () => {
      const rules = [expire("expire-uploads", "uploads/", 2), { id: "abort-mpu", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }];
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, [bucket(), lifecycle(rules)]), []);
    });

    it("flags ScaiDrive's bucket with no lifecycle, with uploads/ kept 7 days, or with a rule expiring everything", () => {
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, [bucket()]), [`bucket ${NAME}: no enabled lifecycle rule expires uploads/`]);
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, [bucket(), lifecycle([expire("u", "uploads/", 7)])]), [
        `bucket ${NAME}: uploads/ must expire within 2 days (got 7)`,
      ]);
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, [bucket(), lifecycle([expire("all", "", 2)])]), [
        `bucket ${NAME}: retained prefix chunks/ would expire under a rule with prefix ""; retained prefix avatars/ would expire under a rule with prefix ""`,
      ]);
    });

    it("reads transient and retained prefixes from a bucket's tags", () => {
      const tagged = bucket({ [TRANSIENT_PREFIXES_TAG]: "tmp/ exports/", [RETAINED_PREFIXES_TAG]: "attachments/" }, "scai-prod-scaisend-attachments");
      const only = (rules: any[]) => [tagged, setting(T.lifecycle, { rules }, "scai-prod-scaisend-attachments")];
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, only([expire("t", "tmp/", 1), expire("e", "exports/", 30)])), []);
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, only([expire("t", "tmp/", 1), { ...expire("e", "exports/", 30), status: "Disabled" }])), [
        "bucket scai-prod-scaisend-attachments: no enabled lifecycle rule expires exports/",
      ]);
    });

    it("leaves a bucket with no transient or retained prefix alone", () => {
      assert.deepStrictEqual(violations(s3TransientPrefixLifecycle, [bucket(undefined, "scai-prod-novitai-cache")]), []);
    });
  });

  describe("s3-tls-only", () => {
    it("passes a bucket policy denying s3:* without SecureTransport (as JSON text or object)", () => {
      assert.deepStrictEqual(violations(s3TlsOnly, [bucket(), setting(T.bucketPolicy, { policy: JSON.stringify(tlsOnly) })]), []);
      assert.deepStrictEqual(violations(s3TlsOnly, [bucket(), setting(T.bucketPolicy, { policy: tlsOnly })]), []);
    });

    it("flags a bucket without a policy, and a policy that denies only uploads", () => {
      const expected = [`bucket ${NAME}: has no bucket policy denying requests without TLS (aws:SecureTransport false)`];
      assert.deepStrictEqual(violations(s3TlsOnly, [bucket()]), expected);
      const narrow = { Statement: [{ ...tlsOnly.Statement[0], Action: "s3:PutObject" }] };
      assert.deepStrictEqual(violations(s3TlsOnly, [bucket(), setting(T.bucketPolicy, { policy: JSON.stringify(narrow) })]), expected);
    });
  });

  describe("rds-encrypted-private", () => {
    const db = (props: Record<string, any>) => resource(T.rdsInstance, "scaidrive-db", { identifier: "scai-dev-scaidrive-db", ...props });

    it("passes an encrypted private instance, and a replica inheriting encryption", () => {
      assert.deepStrictEqual(violations(rdsEncryptedPrivate, [db({ storageEncrypted: true, publiclyAccessible: false })]), []);
      assert.deepStrictEqual(violations(rdsEncryptedPrivate, [db({ replicateSourceDb: "scai-dev-scaidrive-db" })]), []);
    });

    it("flags unencrypted storage and public access", () => {
      assert.deepStrictEqual(violations(rdsEncryptedPrivate, [db({ publiclyAccessible: true })]), [
        "RDS instance scai-dev-scaidrive-db: storage is not encrypted",
        "RDS instance scai-dev-scaidrive-db: publicly accessible",
      ]);
    });
  });

  describe("rds-prod-resilience", () => {
    const db = (props: Record<string, any>) => resource(T.rdsInstance, "scaidrive-db", { identifier: "scai-prod-scaidrive-db", storageEncrypted: true, ...props });

    it("passes 7-day backups, deletion protection and Multi-AZ on prod", () => {
      assert.deepStrictEqual(violations(rdsProdResilience, [db({ backupRetentionPeriod: 7, deletionProtection: true, multiAz: true })], PROD), []);
    });

    it("flags dev-grade settings on prod, and not on dev", () => {
      const devGrade = db({ backupRetentionPeriod: 1, deletionProtection: false, multiAz: false });
      assert.deepStrictEqual(violations(rdsProdResilience, [devGrade], PROD), [
        "RDS instance scai-prod-scaidrive-db: backupRetentionPeriod is 1, needs >= 7 days",
        "RDS instance scai-prod-scaidrive-db: deletionProtection is not true",
        "RDS instance scai-prod-scaidrive-db: multiAz is not true",
      ]);
      assert.deepStrictEqual(violations(rdsProdResilience, [devGrade]), []);
    });
  });

  describe("elasticache-encryption-auth", () => {
    const redis = (props: Record<string, any>) => resource(T.replicationGroup, "scaidrive-redis", { replicationGroupId: "scai-dev-scaidrive", ...props });

    it("passes at-rest and in-transit encryption with an auth token", () => {
      assert.deepStrictEqual(violations(elasticacheEncryptionAuth, [redis({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: "sEcReT1xzzzz" })]), []);
    });

    it("flags a group without encryption or token", () => {
      assert.deepStrictEqual(violations(elasticacheEncryptionAuth, [redis({ atRestEncryptionEnabled: "false" })]), [
        "ElastiCache scai-dev-scaidrive: at-rest encryption is off",
        "ElastiCache scai-dev-scaidrive: in-transit encryption is off",
        "ElastiCache scai-dev-scaidrive: no auth token",
      ]);
    });
  });

  describe("iam-no-wildcard-s3-resources", () => {
    const policy = (type: string, statement: any) => resource(type, "scaidrive-bucket-access", { policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) });

    it("passes S3 access scoped to one bucket, and non-S3 actions on *", () => {
      const scoped = policy(T.iamPolicies[0], { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${ARN}/*` });
      const other = policy(T.iamPolicies[1], { Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" });
      assert.deepStrictEqual(violations(iamNoWildcardS3, [scoped, other]), []);
    });

    it("flags S3 actions on * or every bucket, in Policy and RolePolicy", () => {
      assert.deepStrictEqual(violations(iamNoWildcardS3, [
        policy(T.iamPolicies[0], { Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" }),
        policy(T.iamPolicies[1], { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*/*"] }),
      ]), [
        "scaidrive-bucket-access: statement All allows S3 actions on *",
        "scaidrive-bucket-access: statement Objects allows S3 actions on arn:aws:s3:::*/*",
      ]);
    });
  });
});

describe("policy: AWS replacement and upgrade rules", () => {
  const db = (over: Record<string, any> = {}) => resource(T.rdsInstance, "db", {
    identifier: "scai-prod-scaisend-mysql", engine: "mysql", skipFinalSnapshot: false, finalSnapshotIdentifier: "scai-prod-scaisend-mysql-final-0a1b2c3d",
    allowMajorVersionUpgrade: true, allocatedStorage: 100, maxAllocatedStorage: 400, engineLifecycleSupport: "open-source-rds-extended-support", ...over,
  });

  it("rds-replace-safely passes a snapshotted, upgradable, autoscaling instance with its Extended Support choice", () => {
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [db()]), []);
    // MariaDB has no Extended Support to choose; a read replica takes no snapshot of its own.
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [db({ engine: "mariadb", engineLifecycleSupport: undefined })]), []);
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [resource(T.rdsInstance, "r", { replicateSourceDb: "x", skipFinalSnapshot: true })]), []);
  });

  it("rds-replace-safely flags a skipped or fixed final snapshot, no major upgrades, no autoscaling and an unset lifecycle", () => {
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [db({ skipFinalSnapshot: true })]),
      ["RDS instance scai-prod-scaisend-mysql: deleting it (a replacement does) takes no final snapshot"]);
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [db({ finalSnapshotIdentifier: "scai-prod-scaisend-mysql-final" })]),
      ["RDS instance scai-prod-scaisend-mysql: finalSnapshotIdentifier scai-prod-scaisend-mysql-final is fixed: a second replacement fails with DBSnapshotAlreadyExists"]);
    assert.deepStrictEqual(violations(rdsReplaceableSafely, [db({ allowMajorVersionUpgrade: undefined, maxAllocatedStorage: undefined, engineLifecycleSupport: undefined })]), [
      "RDS instance scai-prod-scaisend-mysql: allowMajorVersionUpgrade is not true: AWS rejects a major engineVersion change",
      "RDS instance scai-prod-scaisend-mysql: maxAllocatedStorage (unset) is not above allocatedStorage (100): no storage autoscaling",
      "RDS instance scai-prod-scaisend-mysql: engineLifecycleSupport is unset: Extended Support would be billed by default",
    ]);
  });

  it("parameter-groups-auto-named flags fixed names of RDS and ElastiCache parameter groups", () => {
    assert.deepStrictEqual(violations(parameterGroupsAutoNamed, [
      resource(T.rdsParameterGroup, "p1", { namePrefix: "scai-prod-scaisend-mysql-", family: "mysql8.4" }),
      resource(T.elasticacheParameterGroup, "p2", { family: "redis7" }),
    ]), []);
    assert.deepStrictEqual(violations(parameterGroupsAutoNamed, [
      resource(T.rdsParameterGroup, "p1", { name: "scai-prod-scaisend-mysql", family: "mysql8.0" }),
      resource(T.elasticacheParameterGroup, "p2", { name: "scai-prod-scaisend-redis", family: "redis7" }),
    ]), [
      "parameter group scai-prod-scaisend-mysql: a fixed name makes a family change delete it first, which AWS refuses while it is attached; use namePrefix",
      "parameter group scai-prod-scaisend-redis: a fixed name makes a family change delete it first, which AWS refuses while it is attached; leave it auto-named",
    ]);
  });

  it("elasticache-snapshots wants a final snapshot everywhere and daily snapshots on prod", () => {
    const group = (over: Record<string, any>) => resource(T.replicationGroup, "g", { replicationGroupId: "scai-prod-scaisend-redis", ...over });
    assert.deepStrictEqual(violations(elasticacheSnapshots, [group({ finalSnapshotIdentifier: "x-final-1", snapshotRetentionLimit: 7 })], PROD), []);
    assert.deepStrictEqual(violations(elasticacheSnapshots, [group({ snapshotRetentionLimit: 0 })], PROD), [
      "ElastiCache scai-prod-scaisend-redis: deleting it (a replacement does) takes no final snapshot",
      "ElastiCache scai-prod-scaisend-redis: snapshotRetentionLimit is 0, needs >= 1 day on prod",
    ]);
    assert.deepStrictEqual(violations(elasticacheSnapshots, [group({ finalSnapshotIdentifier: "x-final-1", snapshotRetentionLimit: 0 })]), []);
  });

  it("s3-no-force-destroy flags a bucket that would empty itself", () => {
    assert.deepStrictEqual(violations(s3NoForceDestroy, [bucket()]), []);
    assert.deepStrictEqual(violations(s3NoForceDestroy, [resource(T.bucket, "b", { bucket: NAME, forceDestroy: true })]),
      [`bucket ${NAME}: forceDestroy empties it on delete or replacement`]);
  });
});
