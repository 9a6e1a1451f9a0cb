import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketRequest, assertRetainedNeverExpire } from "../data/data-plane";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface ObjectBucketArgs {
  /** Physical bucket name (from the naming helper; S3 names are global). */
  bucketName: string;
  /** What the system asked for: expiring and retained prefixes, multipart clean-up. */
  request: BucketRequest;
  /** Keep noncurrent object versions this many days. */
  noncurrentVersionDays: number;
  /** KMS key for default encryption. Default: S3-managed keys (AES256). */
  kmsKeyArn?: Input<string>;
  /**
   * Replicate every object to a bucket in another region (seed 000: versioning plus replication).
   * KMS keys are regional: with `kmsKeyArn` set, the replica needs a key of its own region. Default: none.
   */
  replica?: { bucketName: string; provider: aws.Provider; kmsKeyArn?: Input<string> };
  /** Refuse deletion (and keep the bucket if it leaves the program). Default: false. */
  protect?: boolean;
  /** Tags on every AWS resource. Default: none. */
  tags?: Record<string, string>;
}

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
 * An S3 bucket as the seeds want it: versioned, encrypted, private (public access blocked, ACLs
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
    const { bucket, versioning } = this.hardenedBucket(name, args.bucketName, args.kmsKeyArn, args, protect, child);
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;

    this.lifecycle(name, bucket.bucket, args, { ...child, dependsOn: [versioning] });

    if (args.replica) {
      const inReplicaRegion = { ...child, provider: args.replica.provider };
      const replica = this.hardenedBucket(`${name}-replica`, args.replica.bucketName, args.replica.kmsKeyArn, args, protect, inReplicaRegion);
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
      new aws.s3.BucketReplicationConfig(name, {
        bucket: bucket.bucket,
        role: role.arn,
        rules: [{
          id: "replicate-everything",
          status: "Enabled",
          filter: {},
          deleteMarkerReplication: { status: "Enabled" },
          ...(kms ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
          destination: {
            bucket: replica.bucket.arn,
            storageClass: "STANDARD_IA",
            ...(kms ? { encryptionConfiguration: { replicaKmsKeyId: kms.replica } } : {}),
          },
        }],
      }, { ...child, dependsOn: [versioning, replica.versioning] });
    }

    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, replicaArn: this.replicaArn });
  }

  /** The system's expiring prefixes, multipart clean-up and noncurrent-version expiry. */
  private lifecycle(name: string, bucket: pulumi.Output<string>, args: ObjectBucketArgs, opts: pulumi.CustomResourceOptions) {
    new aws.s3.BucketLifecycleConfiguration(name, {
      bucket,
      rules: [
        ...(args.request.expire ?? []).map(r => ({
          id: r.id,
          status: "Enabled",
          filter: { prefix: r.prefix },
          expiration: { days: r.expireAfterDays },
        })),
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: { prefix: "" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: args.request.abortIncompleteUploadsAfterDays ?? 1 },
        },
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: { prefix: "" },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
        },
      ],
    }, opts);
  }

  /** A bucket with versioning, default encryption, public access blocked, ACLs off and TLS only. */
  private hardenedBucket(
    name: string, bucketName: string, kmsKeyArn: Input<string> | undefined, args: ObjectBucketArgs, protect: boolean,
    opts: pulumi.CustomResourceOptions,
  ) {
    const bucket = new aws.s3.Bucket(name, {
      bucket: bucketName,
      forceDestroy: !protect,
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
