/**
 * The systems this platform can deploy: each one's config schema, cross-key checks and
 * deployer. Adding a system means adding a file beside this one and a line to each table.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile, Values } from "../stacks/schema";
import { SystemContext } from "./context";
import { HridaAi, checkHridaAi, hridaaiSchema } from "./hridaai";
import { Novitai, checkNovitai, novitaiSchema } from "./novitai";
import { RaHcp, checkRaHcp, rahcpSchema } from "./ra-hcp";
import { ScaiDrive, checkScaiDrive, scaidriveSchema } from "./scaidrive";
import { ScaiSend, checkScaiSend, scaisendSchema } from "./scaisend";

export const SYSTEM_NAMES = ["scaidrive", "scaisend", "hridaai", "rahcp", "novitai"] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export const systemSchemas = {
  scaidrive: scaidriveSchema,
  scaisend: scaisendSchema,
  hridaai: hridaaiSchema,
  rahcp: rahcpSchema,
  novitai: novitaiSchema,
};

export type SystemSettings = {
  [K in SystemName]: Values<(typeof systemSchemas)[K]>[K & keyof Values<(typeof systemSchemas)[K]>];
};

export interface CheckContext {
  profile: Profile;
  project: string;
  domain: string;
  /** Where data services come from ("in-cluster" or "aws"). */
  dataServices?: string;
  /** On AWS, whether apps also get static S3 keys (aws.staticBucketKeys). */
  staticBucketKeys?: boolean;
}

export const systemChecks: { [K in SystemName]: (s: SystemSettings[K], ctx: CheckContext) => string[] } = {
  scaidrive: checkScaiDrive,
  scaisend: checkScaiSend,
  hridaai: checkHridaAi,
  rahcp: checkRaHcp,
  novitai: checkNovitai,
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
  /** Systems of the same environment this one is wired to (systems/links.ts), with the address it uses. */
  links?: Record<string, pulumi.Output<string>>;
}

/** The outputs-contract fields of a deployed system, as a plain object (absent ones left out). */
function contractOf(d: SystemOutputs): SystemOutputs {
  const { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links } = d;
  const fields = { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as SystemOutputs;
}

export const systemDeployers: { [K in SystemName]: (ctx: SystemContext, s: SystemSettings[K]) => SystemOutputs } = {
  scaidrive: (ctx, s) => contractOf(new ScaiDrive(ctx, s)),
  scaisend: (ctx, s) => contractOf(new ScaiSend(ctx, s)),
  hridaai: (ctx, s) => contractOf(new HridaAi(ctx, s)),
  rahcp: (ctx, s) => contractOf(new RaHcp(ctx, s)),
  novitai: (ctx, s) => contractOf(new Novitai(ctx, s)),
};
