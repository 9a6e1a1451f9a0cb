import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketRequest, assertRetainedNeverExpire } from "../data/data-plane";
import { bucketLifecycle, s3LifecycleRules } from "../data/lifecycle";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface ObjectBucketArgs {
  /** Readable part of the bucket name (from the naming helper; S3 names are global). */
  bucketName: string;
  /**
   * Appended as `<bucketName>-<nameSuffix>`: a random value of the environment (BUCKET_SUFFIX_LENGTH
   * hex characters) so nobody can guess, and squat, the name before it is created. Default: none
   * (stacks whose buckets predate it; docs/aws.md, "Bucket names").
   */
  nameSuffix?: Input<string>;
  /** What the system asked for: expiring and retained prefixes, multipart clean-up. */
  request: BucketRequest;
  /** Keep noncurrent object versions this many days. */
  noncurrentVersionDays: number;
  /** KMS key for default encryption. Default: S3-managed keys (AES256). */
  kmsKeyArn?: Input<string>;
  /**
   * Replicate every object to a bucket in another region (ScaiDrive's disaster recovery: versioning plus replication).
   * KMS keys are regional: with `kmsKeyArn` set, the replica needs a key of its own region. Default: none.
   */
  replica?: { bucketName: string; provider: aws.Provider; kmsKeyArn?: Input<string> };
  /**
   * Refuse deletion in Pulumi (and keep the bucket if it leaves the program). Default: false.
   * Unprotected buckets are not force-destroyed either: S3 refuses to delete one that holds objects.
   */
  protect?: boolean;
  /** Tags on every AWS resource. Default: none. */
  tags?: Record<string, string>;
}

/** Characters of the random suffix of bucket names (4 random bytes, hex). */
export const BUCKET_SUFFIX_LENGTH = 8;
/** S3's limit on a bucket name. */
export const BUCKET_NAME_MAX = 63;

/** Storage class of replicated objects that are kept. */
export const REPLICA_STORAGE_CLASS = "STANDARD_IA";
/** STANDARD_IA bills every object for at least this many days. */
export const IA_MINIMUM_DAYS = 30;

/** Deny every request made without TLS, to anyone. */
function tlsOnlyPolicy(arn: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn, pulumi.interpolate`${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }],
  });
}

/**
 * An S3 bucket as the systems need it: versioned, encrypted, private (public access blocked, ACLs
 * off), reachable only over TLS, with the system's lifecycle rules, and on prod replicated to a
 * second region. Built from the non-deprecated per-setting resources of @pulumi/aws v7.
 */
export class ObjectBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly replicaArn?: pulumi.Output<string>;

  constructor(name: string, args: ObjectBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:ObjectBucket", name, {}, opts);
    const protect = args.protect ?? false;
    const child = childOptions(this, opts);
    assertRetainedNeverExpire(args.request);

    if (args.replica && args.kmsKeyArn !== undefined && args.replica.kmsKeyArn === undefined) {
      throw new Error(`bucket ${args.bucketName}: a KMS-encrypted bucket replicates only to a replica with a KMS key of its own region`);
    }
    const physical = (base: string): Input<string> => {
      const length = base.length + (args.nameSuffix === undefined ? 0 : 1 + BUCKET_SUFFIX_LENGTH);
      if (length > BUCKET_NAME_MAX) throw new Error(`bucket ${base}: the name would be ${length} characters with its suffix; S3 allows ${BUCKET_NAME_MAX}`);
      return args.nameSuffix === undefined ? base : pulumi.interpolate`${base}-${args.nameSuffix}`;
    };
    const { bucket, versioning } = this.hardenedBucket(name, physical(args.bucketName), args.kmsKeyArn, args, protect, child);
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;

    this.lifecycle(name, bucket.bucket, args, { ...child, dependsOn: [versioning] });

    if (args.replica) {
      const inReplicaRegion = { ...child, provider: args.replica.provider };
      const replica = this.hardenedBucket(`${name}-replica`, physical(args.replica.bucketName), args.replica.kmsKeyArn, args, protect, inReplicaRegion);
      // S3 does not replicate lifecycle expirations: without its own rules the replica would keep
      // every transient object (uploads/) forever.
      this.lifecycle(`${name}-replica`, replica.bucket.bucket, args, { ...inReplicaRegion, dependsOn: [replica.versioning] });
      const kms = args.kmsKeyArn !== undefined && args.replica.kmsKeyArn !== undefined
        ? { source: args.kmsKeyArn, replica: args.replica.kmsKeyArn }
        : undefined;
      this.replicaArn = replica.bucket.arn;

      const role = new aws.iam.Role(`${name}-replication`, {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      }, child);
      new aws.iam.RolePolicy(`${name}-replication`, {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: [bucket.arn] },
            {
              Effect: "Allow",
              Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
              Resource: [pulumi.interpolate`${bucket.arn}/*`],
            },
            {
              Effect: "Allow",
              Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
              Resource: [pulumi.interpolate`${replica.bucket.arn}/*`],
            },
            ...(kms ? [
              { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kms.source] },
              { Effect: "Allow", Action: ["kms:Encrypt"], Resource: [kms.replica] },
            ] : []),
          ],
        }),
      }, child);
      const destination = (storageClass: string) => ({
        bucket: replica.bucket.arn,
        storageClass,
        ...(kms ? { encryptionConfiguration: { replicaKmsKeyId: kms.replica } } : {}),
      });
      new aws.s3.BucketReplicationConfig(name, {
        bucket: bucket.bucket,
        role: role.arn,
        rules: [{
          id: "replicate-everything",
          priority: 0,
          status: "Enabled",
          filter: {},
          deleteMarkerReplication: { status: "Enabled" },
          ...(kms ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
          destination: destination(REPLICA_STORAGE_CLASS),
        },
        // Objects that expire within days (uploads/) stay in STANDARD in the replica: STANDARD_IA
        // bills 30 days for each. The higher priority wins where the filters overlap.
        ...(args.request.expire ?? []).map((r, i) => ({
          id: `replicate-${r.id}`,
          priority: i + 1,
          status: "Enabled",
          filter: { prefix: r.prefix },
          deleteMarkerReplication: { status: "Enabled" },
          ...(kms ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
          destination: destination(r.expireAfterDays < IA_MINIMUM_DAYS ? "STANDARD" : REPLICA_STORAGE_CLASS),
        }))],
      }, { ...child, dependsOn: [versioning, replica.versioning] });
    }

    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, replicaArn: this.replicaArn });
  }

  /** The system's expiring prefixes, multipart clean-up and noncurrent-version expiry: the lifecycle model MinIO shares. */
  private lifecycle(name: string, bucket: pulumi.Output<string>, args: ObjectBucketArgs, opts: pulumi.CustomResourceOptions) {
    new aws.s3.BucketLifecycleConfiguration(name, {
      bucket,
      rules: s3LifecycleRules(bucketLifecycle(args.request, args.noncurrentVersionDays)),
    }, opts);
  }

  /** A bucket with versioning, default encryption, public access blocked, ACLs off and TLS only. */
  private hardenedBucket(
    name: string, bucketName: Input<string>, kmsKeyArn: Input<string> | undefined, args: ObjectBucketArgs, protect: boolean,
    opts: pulumi.CustomResourceOptions,
  ) {
    const bucket = new aws.s3.Bucket(name, {
      bucket: bucketName,
      // Never empties itself on delete: a replacement or a destroy stops at a bucket with objects
      // rather than lose them (docs/aws.md, "Replacements").
      forceDestroy: false,
      tags: args.tags,
    }, { ...opts, protect, retainOnDelete: protect });
    const on = { ...opts, parent: this };
    const versioning = new aws.s3.BucketVersioning(name, {
      bucket: bucket.bucket,
      versioningConfiguration: { status: "Enabled" },
    }, on);
    new aws.s3.BucketServerSideEncryptionConfiguration(name, {
      bucket: bucket.bucket,
      rules: [{
        applyServerSideEncryptionByDefault: kmsKeyArn === undefined
          ? { sseAlgorithm: "AES256" }
          : { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
        bucketKeyEnabled: kmsKeyArn !== undefined,
      }],
    }, on);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(name, {
      bucket: bucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, on);
    new aws.s3.BucketOwnershipControls(name, {
      bucket: bucket.bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }, on);
    // After the public access block: S3 rejects policy changes while that block is being applied.
    new aws.s3.BucketPolicy(name, { bucket: bucket.bucket, policy: tlsOnlyPolicy(bucket.arn) }, { ...on, dependsOn: [publicAccess] });
    return { bucket, versioning };
  }
}
