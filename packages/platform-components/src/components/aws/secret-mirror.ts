import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";

export interface SecretMirrorArgs {
  /** Secrets Manager name, a per-environment path such as `scai/prod/scaidrive-env` (from the naming helper). */
  secretName: string;
  /** The key/value pairs, exactly as the Kubernetes Secret holds them (kept secret). */
  data: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** KMS key. Default: the account's Secrets Manager key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Days a deleted secret can be restored. 0 deletes at once, so a recreated dev stack can reuse the name. Default: 30. */
  recoveryWindowDays?: number;
  /** Tags. Default: none. */
  tags?: Record<string, string>;
}

/**
 * A copy of one Kubernetes Secret in AWS Secrets Manager, as one JSON document, for consumers
 * outside the cluster (jobs, other accounts' roles). The Kubernetes Secret stays what pods read.
 */
export class SecretMirror extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecretMirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:SecretMirror", name, {}, opts);
    const child = childOptions(this, opts);
    const secret = new aws.secretsmanager.Secret(name, {
      name: args.secretName,
      kmsKeyId: args.kmsKeyArn,
      recoveryWindowInDays: args.recoveryWindowDays ?? 30,
      tags: args.tags,
    }, child);
    new aws.secretsmanager.SecretVersion(name, {
      secretId: secret.id,
      secretString: pulumi.secret(pulumi.jsonStringify(args.data)),
    }, child);
    this.arn = secret.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
