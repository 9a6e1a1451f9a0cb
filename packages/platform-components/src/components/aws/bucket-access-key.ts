import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import { bucketUsePolicy } from "./bucket-access-role";

type Input<T> = pulumi.Input<T>;

export interface BucketAccessKeyArgs {
  /** IAM user name (from the naming helper). */
  userName: string;
  /** The one bucket the key may use. */
  bucketArn: Input<string>;
  /** KMS key of the bucket, when it has one. Default: none. */
  kmsKeyArn?: Input<string>;
  /**
   * `secrets.rotation`: a new value replaces the key pair like every other generated credential.
   * The new key is created (IAM allows two per user) and the app Secret updated before the old one is deleted.
   */
  rotation: string;
  /** Tags. Default: none. */
  tags?: Record<string, string>;
}

/**
 * Static S3 credentials, for clusters without IRSA only (config `aws.staticBucketKeys`): an IAM
 * user allowed exactly what the IRSA role would be, its key pair as secret Outputs.
 */
export class BucketAccessKey extends pulumi.ComponentResource {
  public readonly accessKeyId: pulumi.Output<string>;
  public readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: BucketAccessKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:BucketAccessKey", name, {}, opts);
    const child = childOptions(this, opts);
    const user = new aws.iam.User(name, { name: args.userName, tags: args.tags }, child);
    new aws.iam.UserPolicy(name, { user: user.name, policy: bucketUsePolicy(args.bucketArn, args.kmsKeyArn) }, child);
    const key = new aws.iam.AccessKey(name, { user: user.name }, { ...child, replacementTrigger: args.rotation });
    this.accessKeyId = pulumi.secret(key.id);
    this.secretAccessKey = pulumi.secret(key.secret);
    this.registerOutputs({ accessKeyId: this.accessKeyId });
  }
}
