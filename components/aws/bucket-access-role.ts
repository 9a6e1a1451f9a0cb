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
  /** Its issuer URL without `https://` (e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC). */
  oidcProviderUrl: string;
  /** Tags. Default: none. */
  tags?: Record<string, string>;
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
    const issuer = args.oidcProviderUrl.replace(/^https:\/\//, "");

    const role = new aws.iam.Role(name, {
      name: args.roleName,
      assumeRolePolicy: pulumi.jsonStringify({
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
      }),
      tags: args.tags,
    }, child);

    new aws.iam.RolePolicy(name, {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [args.bucketArn] },
          {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: [pulumi.interpolate`${args.bucketArn}/*`],
          },
        ],
      }),
    }, child);

    this.roleArn = role.arn;
    this.serviceAccountAnnotations = { [IRSA_ANNOTATION]: role.arn };
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
