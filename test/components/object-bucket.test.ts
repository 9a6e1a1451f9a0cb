import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { ObjectBucket, ObjectBucketArgs, SCAIDRIVE_SEED } from "@scai/platform-components";
import { allRules, evaluateRules, policyContext } from "../../policy/rules/index";
import { fromCaptured } from "../policy/fixtures";
import { Captured, evaluate } from "../harness";

/** ScaiDrive's bucket request, as packages/platform-components/src/systems/scaidrive.ts makes it. */
const scaidrive: ObjectBucketArgs = {
  bucketName: "scai-prod-scaidrive-files",
  request: {
    purpose: "files",
    expire: [SCAIDRIVE_SEED.uploads],
    retain: [...SCAIDRIVE_SEED.retainedPrefixes],
    abortIncompleteUploadsAfterDays: 1,
    serviceAccounts: ["scaidrive-api"],
  },
  noncurrentVersionDays: 30,
};

const of = (r: Captured[], type: string) => r.filter(x => x.type === type);
const one = (r: Captured[], type: string, name: string) => {
  const found = r.find(x => x.type === type && x.name === name);
  assert.ok(found, `no ${type} ${name}`);
  return found!.inputs;
};

describe("ObjectBucket component (S3, aws v7 resources)", () => {
  let plain: Captured[];
  before(async () => {
    plain = (await evaluate("dev", () => new ObjectBucket("files", scaidrive))).resources;
  });

  it("uploads/ expire after 2 days, unfinished multipart uploads after 1, noncurrent versions after 30; nothing expires chunks/", () => {
    const rules = one(plain, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "files").rules;
    assert.deepStrictEqual(rules, [
      { id: "expire-uploads", status: "Enabled", filter: { prefix: "uploads/" }, expiration: { days: 2 } },
      { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
      {
        id: "expire-noncurrent-versions", status: "Enabled", filter: { prefix: "" }, noncurrentVersionExpiration: { noncurrentDays: 30 },
        // Delete markers left alone once their noncurrent versions expired are removed too.
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
    const expiringPrefixes = rules.filter((r: any) => r.expiration?.days !== undefined).map((r: any) => r.filter.prefix);
    assert.ok(!expiringPrefixes.some((p: string) => "chunks/".startsWith(p)));
  });

  it("is versioned, AES256-encrypted, private, ACL-free and TLS-only", () => {
    assert.strictEqual(one(plain, "aws:s3/bucket:Bucket", "files").bucket, "scai-prod-scaidrive-files");
    assert.deepStrictEqual(one(plain, "aws:s3/bucketVersioning:BucketVersioning", "files").versioningConfiguration, { status: "Enabled" });
    assert.deepStrictEqual(one(plain, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "files").rules,
      [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false }]);
    const block = one(plain, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "files");
    for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(block[k], true, k);
    assert.deepStrictEqual(one(plain, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "files").rule, { objectOwnership: "BucketOwnerEnforced" });
    const [statement] = JSON.parse(one(plain, "aws:s3/bucketPolicy:BucketPolicy", "files").policy).Statement;
    assert.deepStrictEqual(statement, {
      Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
      Resource: ["arn:aws:s3:::scai-prod-scaidrive-files", "arn:aws:s3:::scai-prod-scaidrive-files/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("no bucket empties itself on delete, protected or not: a replacement or destroy stops at a bucket with objects", async () => {
    assert.strictEqual(one(plain, "aws:s3/bucket:Bucket", "files").forceDestroy, false);
    const { resources } = await evaluate("prod", () => new ObjectBucket("files", { ...scaidrive, protect: true }));
    assert.strictEqual(one(resources, "aws:s3/bucket:Bucket", "files").forceDestroy, false);
  });

  it("a name suffix makes the name unguessable, for the replica too, and a name longer than S3's 63 characters is refused", async () => {
    const { resources } = await evaluate("prod", () => new ObjectBucket("files", {
      ...scaidrive, nameSuffix: "0a1b2c3d",
      replica: { bucketName: "scai-prod-scaidrive-files-replica", provider: new aws.Provider("replica-region", { region: "eu-central-1" }) },
    }));
    assert.deepStrictEqual(of(resources, "aws:s3/bucket:Bucket").map(b => b.inputs.bucket),
      ["scai-prod-scaidrive-files-0a1b2c3d", "scai-prod-scaidrive-files-replica-0a1b2c3d"]);
    const long = "scai-production-scaidrive-" + "x".repeat(29);
    await assert.rejects(evaluate("prod", () => new ObjectBucket("files", { ...scaidrive, bucketName: long, nameSuffix: "0a1b2c3d" })),
      new RegExp(`bucket ${long}: the name would be 64 characters with its suffix; S3 allows 63`));
  });

  it("on prod: KMS, and replication of every object to a KMS-encrypted bucket in the second region", async () => {
    const { resources } = await evaluate("prod", () => new ObjectBucket("files", {
      ...scaidrive,
      kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/source",
      replica: {
        bucketName: "scai-prod-scaidrive-files-replica",
        provider: new aws.Provider("replica-region", { region: "eu-central-1" }),
        kmsKeyArn: "arn:aws:kms:eu-central-1:123456789012:key/replica",
      },
    }));
    const replication = one(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "files");
    assert.strictEqual(replication.bucket, "scai-prod-scaidrive-files");
    assert.deepStrictEqual(replication.rules[0].destination, {
      bucket: "arn:aws:s3:::scai-prod-scaidrive-files-replica",
      storageClass: "STANDARD_IA",
      encryptionConfiguration: { replicaKmsKeyId: "arn:aws:kms:eu-central-1:123456789012:key/replica" },
    });
    assert.deepStrictEqual(replication.rules[0].sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
    // uploads/ expire after 2 days: replicated as STANDARD (STANDARD_IA would bill 30 days each), winning over the catch-all by priority.
    assert.deepStrictEqual(replication.rules.map((r: any) => [r.id, r.priority, r.filter, r.destination.storageClass, r.deleteMarkerReplication.status]), [
      ["replicate-everything", 0, {}, "STANDARD_IA", "Enabled"],
      ["replicate-expire-uploads", 1, { prefix: "uploads/" }, "STANDARD", "Enabled"],
    ]);
    const trust = JSON.parse(one(resources, "aws:iam/role:Role", "files-replication").assumeRolePolicy);
    assert.deepStrictEqual(trust.Statement[0].Principal, { Service: "s3.amazonaws.com" });
    const grants = JSON.parse(one(resources, "aws:iam/rolePolicy:RolePolicy", "files-replication").policy).Statement;
    assert.deepStrictEqual(grants.flatMap((g: any) => g.Resource), [
      "arn:aws:s3:::scai-prod-scaidrive-files",
      "arn:aws:s3:::scai-prod-scaidrive-files/*",
      "arn:aws:s3:::scai-prod-scaidrive-files-replica/*",
      "arn:aws:kms:eu-west-1:123456789012:key/source",
      "arn:aws:kms:eu-central-1:123456789012:key/replica",
    ]);
    const sse = of(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
      .map(r => r.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId);
    assert.deepStrictEqual(sse, ["arn:aws:kms:eu-west-1:123456789012:key/source", "arn:aws:kms:eu-central-1:123456789012:key/replica"]);
  });

  it("refuses a KMS bucket replicating to a replica without a key of its own region", async () => {
    await evaluate("prod", () => {
      assert.throws(() => new ObjectBucket("files", {
        ...scaidrive,
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/source",
        replica: { bucketName: "r", provider: new aws.Provider("r", { region: "eu-central-1" }) },
      }), /replicates only to a replica with a KMS key of its own region/);
    });
  });

  it("refuses a lifecycle rule that would expire a retained prefix", async () => {
    await evaluate("dev", () => {
      assert.throws(() => new ObjectBucket("files", {
        ...scaidrive,
        request: { ...scaidrive.request, expire: [{ id: "everything", prefix: "", expireAfterDays: 7 }] },
      }), /would expire retained prefix chunks\//);
    });
  });

  it("passes every S3 rule of the policy pack, mandatory on prod", () => {
    const findings = evaluateRules(allRules, fromCaptured(plain), policyContext("prod"));
    assert.deepStrictEqual(findings.map(f => `${f.rule}: ${f.message}`), []);
    // The same bucket without its TLS-only policy is caught: the check above is not vacuous.
    const withoutPolicy = plain.filter(r => r.type !== "aws:s3/bucketPolicy:BucketPolicy");
    const caught = evaluateRules(allRules, fromCaptured(withoutPolicy), policyContext("prod"));
    assert.deepStrictEqual(caught.map(f => `${f.level} ${f.rule}`), ["mandatory s3-tls-only"]);
  });
});
