import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";

export interface EncryptionKeyArgs {
  /** Alias without the `alias/` prefix (from the naming helper): how operators find the key. */
  alias: string;
  /** What the key protects, for the console. */
  description: string;
  /** Days a scheduled deletion waits, during which it can be cancelled. Default: 30 (the maximum). */
  deletionWindowDays?: number;
  /** Refuse deletion in Pulumi as well. Default: false. */
  protect?: boolean;
  /** Tags. Default: none. */
  tags?: Record<string, string>;
}

/**
 * One customer-managed KMS key per environment and region, rotated yearly. Data encrypted with
 * it dies with it, hence the longest deletion window and `protect` on prod.
 */
export class EncryptionKey extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:EncryptionKey", name, {}, opts);
    const child = childOptions(this, opts);
    const key = new aws.kms.Key(name, {
      description: args.description,
      enableKeyRotation: true,
      deletionWindowInDays: args.deletionWindowDays ?? 30,
      tags: args.tags,
    }, { ...child, protect: args.protect ?? false });
    new aws.kms.Alias(name, { name: `alias/${args.alias}`, targetKeyId: key.keyId }, child);
    this.arn = key.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
