/**
 * The systems this platform can deploy: each one's config schema, cross-key checks and
 * deployer. Adding a system means adding a file beside this one and a line to each table.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile, Values } from "../stacks/schema";
import { SystemContext } from "./context";
import { ScaiDrive, checkScaiDrive, scaidriveSchema } from "./scaidrive";

export const SYSTEM_NAMES = ["scaidrive"] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export const systemSchemas = {
  scaidrive: scaidriveSchema,
};

export type SystemSettings = {
  [K in SystemName]: Values<(typeof systemSchemas)[K]>[K];
};

export interface CheckContext {
  profile: Profile;
  project: string;
  domain: string;
}

export const systemChecks: { [K in SystemName]: (s: SystemSettings[K], ctx: CheckContext) => string[] } = {
  scaidrive: checkScaiDrive,
};

/** What another project may read about a deployed system (see the README's outputs contract). */
export interface SystemOutputs {
  /** Public URL, when the system is exposed. */
  url?: string;
  /** In-cluster address of its API. */
  apiAddress?: pulumi.Output<string>;
  /** Kubernetes Secret holding its credentials and URLs. */
  secretName: pulumi.Output<string>;
  databaseHost?: pulumi.Output<string>;
  redisHost?: pulumi.Output<string>;
  bucket?: pulumi.Output<string>;
  /** The bucket's ARN, where the data plane is AWS (in-cluster MinIO has none). */
  bucketArn?: pulumi.Output<string>;
}

export const systemDeployers: { [K in SystemName]: (ctx: SystemContext, s: SystemSettings[K]) => SystemOutputs } = {
  scaidrive: (ctx, s) => {
    const d = new ScaiDrive(ctx, s);
    return {
      url: d.url,
      apiAddress: d.apiAddress,
      secretName: d.secretName,
      databaseHost: d.databaseHost,
      redisHost: d.redisHost,
      bucket: d.bucket,
      bucketArn: d.bucketArn,
    };
  },
};
