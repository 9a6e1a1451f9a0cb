/**
 * The AWS side of an environment whose data services are managed (dataServices aws): providers
 * for the primary and replica regions, the environment's KMS keys, the data plane the systems
 * draw from, and the ECR builds of their images. The cluster itself comes from the cluster stack (or explicit config).
 */
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  AwsDataPlane, BUCKET_SUFFIX_LENGTH, ClusterNetwork, CONFIGURED_IMAGES, ContainerImage,
  EncryptionKey, ImageSource, imageTag, Naming, SYSTEM_TAG,
} from "@scai/platform-components";
import { AwsSettings, CLUSTER_NETWORK_KEYS, Environment } from "./environment";

/** Tag keys every AWS resource of the environment carries (provider default tags). */
export const ENVIRONMENT_TAGS = { environment: "scai:environment", project: "scai:project" } as const;

/**
 * Each cluster fact from config when set, else from the cluster stack's output of the same name.
 * `loadEnvironment` has already refused a gap that no cluster stack fills.
 */
export function clusterNetwork(s: AwsSettings, cluster: pulumi.StackReference | undefined): ClusterNetwork {
  const fact = (key: (typeof CLUSTER_NETWORK_KEYS)[number]) => s.network[key] ?? cluster!.requireOutput(key);
  return {
    vpcId: fact("vpcId") as pulumi.Input<string>,
    vpcCidr: fact("vpcCidr") as pulumi.Input<string>,
    privateSubnetIds: fact("privateSubnetIds") as pulumi.Input<string[]>,
    nodeSecurityGroupId: fact("nodeSecurityGroupId") as pulumi.Input<string>,
    oidcProviderArn: fact("oidcProviderArn") as pulumi.Input<string>,
    oidcProviderUrl: fact("oidcProviderUrl") as pulumi.Input<string>,
  };
}

/**
 * An explicit AWS provider of this environment: its region named, its tags on every resource.
 * Nothing in the program uses Pulumi's default provider, which would take its region from
 * whatever shell runs `up` (and stop without one).
 */
export function awsProvider(name: string, region: string, env: Environment): aws.Provider {
  return new aws.Provider(name, {
    region: region as aws.Region,
    defaultTags: { tags: { [ENVIRONMENT_TAGS.environment]: env.stack, [ENVIRONMENT_TAGS.project]: env.project } },
  });
}

/**
 * Builds the systems listed in `images.build` from `<contextRoot>/<system>` into an ECR
 * repository of this environment, tagged with the tag of the configured image; pods run the
 * pushed image by digest. Other systems run their configured reference.
 */
export function ecrImages(env: Environment, naming: Naming, provider: aws.Provider, kmsKeyArn: pulumi.Input<string> | undefined): ImageSource {
  return {
    resolve(system, configured, parent, instance = system) {
      if (!(env.images.build as readonly string[]).includes(system)) return CONFIGURED_IMAGES.resolve(system, configured, parent);
      const tag = buildTag(configured);
      if (tag === undefined) {
        throw new Error(`${system}.image "${configured}" has no tag to build under: images.build needs <repository>:<tag>`);
      }
      // One repository per instance (the environment's own is named after its kind), built from the kind's context.
      const repositoryName = naming.cloud(instance);
      const built = new ContainerImage(repositoryName, {
        repositoryName,
        context: path.join(env.images.contextRoot, system),
        tag,
        production: env.profile === "prod",
        kmsKeyArn,
        protect: env.protect,
        tags: { [SYSTEM_TAG]: system },
      }, { parent, providers: [provider] });
      // The pushed tag carries the build context's digest: a rebuild is a new release (and migration).
      return { ref: built.imageRef, revision: `${repositoryName}:${built.pushedTag}` };
    },
  };
}

/** The tag a build is pushed under: that of `repo:tag` or `repo:tag@digest`; undefined for a bare digest. */
export function buildTag(ref: string): string | undefined {
  // The reference rule's own tag parser, on the reference without its digest ("" means no tag).
  return imageTag(ref.split("@")[0]) || undefined;
}

/**
 * The environment's random bucket-name suffix: generated once, kept in the state, the same for
 * every bucket of the stack (and its replicas).
 */
export function bucketNameSuffix(): pulumi.Output<string> {
  return new random.RandomId("bucket-name-suffix", { byteLength: BUCKET_SUFFIX_LENGTH / 2 }).hex;
}

/** The managed data plane and the image source of an AWS environment. */
export interface AwsServices {
  data: AwsDataPlane;
  images: ImageSource;
}

/** The environment's primary-region provider, when anything of it lives on AWS (data services or DNS). */
export function environmentAwsProvider(env: Environment): aws.Provider | undefined {
  return env.aws !== undefined || env.dns !== undefined ? awsProvider("aws", env.awsRegion, env) : undefined;
}

/** `primary` is the environment's provider (environmentAwsProvider); the replica region gets its own. */
export function awsServices(
  env: Environment, s: AwsSettings, naming: Naming, cluster: pulumi.StackReference | undefined, primary: aws.Provider,
): AwsServices {
  const replicaProvider = s.replicaRegion === undefined ? undefined : awsProvider("aws-replica", s.replicaRegion, env);
  const key = (name: string, p: aws.Provider) => s.customerManagedKey
    ? new EncryptionKey(name, {
        alias: naming.cloud(name),
        description: `scai-platform ${env.stack}: data services (RDS, ElastiCache, S3, Secrets Manager)`,
        protect: env.protect,
      }, { provider: p }).arn
    : undefined;

  const kmsKeyArn = key("data", primary);
  const data = new AwsDataPlane({
    naming,
    namespace: env.namespace,
    network: clusterNetwork(s, cluster),
    provider: primary,
    region: s.region,
    production: env.profile === "prod",
    protect: env.protect,
    rotation: env.secretsRotation,
    kmsKeyArn,
    replica: replicaProvider && { provider: replicaProvider, kmsKeyArn: key("data-replica", replicaProvider) },
    database: s.database,
    redis: s.redis,
    noncurrentVersionDays: s.noncurrentVersionDays,
    staticBucketKeys: s.staticBucketKeys,
    bucketNameSuffix: s.legacyBucketNames ? undefined : bucketNameSuffix(),
  });
  return { data, images: ecrImages(env, naming, primary, kmsKeyArn) };
}
