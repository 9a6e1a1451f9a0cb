import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface BucketAccessRoleArgs {
  /** IAM role name (from the naming helper). */
  roleName: string;
  /** The one bucket the role may use. */
  bucketArn: Input<string>;
  /** Namespace of the ServiceAccounts. */
  namespace: string;
  /** ServiceAccounts that may assume the role, and no others. */
  serviceAccounts: string[];
  /** The cluster's IAM OIDC provider ARN. */
  oidcProviderArn: Input<string>;
  /** Its issuer URL, with or without `https://` (e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC). */
  oidcProviderUrl: Input<string>;
  /** KMS key the bucket is encrypted with: the role may use it for that bucket's objects. Default: none. */
  kmsKeyArn?: Input<string>;
  /** Tags. Default: none. */
  tags?: Record<string, string>;
}

/** List one bucket and read, write and delete its objects (and use its KMS key for them); nothing else. */
export function bucketUsePolicy(bucketArn: Input<string>, kmsKeyArn: Input<string> | undefined): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: [pulumi.interpolate`${bucketArn}/*`],
      },
      ...kmsStatements(kmsKeyArn, bucketArn),
    ],
  });
}

/**
 * Objects of a KMS-encrypted bucket can only be read and written with the key; the grant is
 * limited to S3 calls for that bucket, so the key serves this role nothing else.
 */
function kmsStatements(kmsKeyArn: Input<string> | undefined, bucketArn: Input<string>): object[] {
  if (kmsKeyArn === undefined) return [];
  return [{
    Effect: "Allow",
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: [kmsKeyArn],
    Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [pulumi.interpolate`${bucketArn}/*`, bucketArn] } },
  }];
}

/** The ServiceAccount annotation EKS reads to hand a pod the role's credentials. */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

/**
 * IRSA: an IAM role that only the named ServiceAccounts of one namespace can assume, allowed
 * to list one bucket and read, write and delete its objects. No static keys.
 */
export class BucketAccessRole extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  /** Annotations for the ServiceAccounts. */
  public readonly serviceAccountAnnotations: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: BucketAccessRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:BucketAccessRole", name, {}, opts);
    const child = childOptions(this, opts);
    // The issuer is a key of the trust condition, so it must be known before the document is built.
    const trust = pulumi.output(args.oidcProviderUrl).apply(url => {
      const issuer = url.replace(/^https:\/\//, "");
      return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Principal: { Federated: args.oidcProviderArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${issuer}:aud`]: "sts.amazonaws.com",
              [`${issuer}:sub`]: args.serviceAccounts.map(sa => `system:serviceaccount:${args.namespace}:${sa}`),
            },
          },
        }],
      });
    });

    const role = new aws.iam.Role(name, { name: args.roleName, assumeRolePolicy: trust, tags: args.tags }, child);

    new aws.iam.RolePolicy(name, { role: role.id, policy: bucketUsePolicy(args.bucketArn, args.kmsKeyArn) }, child);

    this.roleArn = role.arn;
    this.serviceAccountAnnotations = { [IRSA_ANNOTATION]: role.arn };
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
