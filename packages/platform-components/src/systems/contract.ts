/**
 * What the registry, each system and the platform's outputs contract share, in a module that
 * imports no system: the context of a system's config checks, and what another project may read
 * about a deployed system. Kept apart so no system imports the registry, and the outputs entry
 * point loads no system at run time.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/schema";

export interface CheckContext {
  profile: Profile;
  project: string;
  domain: string;
  /** Where data services come from ("in-cluster" or "aws"). */
  dataServices?: string;
  /** On AWS, whether apps also get static S3 keys (aws.staticBucketKeys). */
  staticBucketKeys?: boolean;
}

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
export function contractOf(d: SystemOutputs): SystemOutputs {
  const { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links } = d;
  const fields = { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as SystemOutputs;
}
