/**
 * Wires an Environment to components: the Kubernetes provider (render or apply), the isolated
 * namespace, the data plane of the environment's kind, and every enabled system.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CONFIGURED_IMAGES, contractOf, DataPlane, EnvironmentNamespace, ImageSource, InClusterDataPlane,
  namespacePeer, Naming, PlatformOutputs, PublicHostRecords, SecretStore, SystemContext,
  systemContract, SystemContractOutputs, systemDefinition, SystemName,
} from "@scai/platform-components";
import { awsServices, environmentAwsProvider } from "./aws-data";
import { Environment } from "./environment";

/** The stack outputs other projects read (the contract's type lives in packages/platform-components/src/systems/outputs.ts, which imports nothing from here). */
export type { PlatformOutputs };

/**
 * Render mode writes to a folder relative to the project root (Pulumi runs providers there,
 * whatever the caller's cwd), so state does not pin one machine's absolute path.
 */
export function kubernetesProvider(env: Environment, cluster: pulumi.StackReference | undefined): k8s.Provider {
  const t = env.kubernetes;
  if (t.mode === "render") return new k8s.Provider("kubernetes", { renderYamlToDirectory: t.directory });
  return new k8s.Provider("kubernetes", { kubeconfig: clusterKubeconfig(t, cluster), context: t.context });
}

/** The cluster stack's `kubeconfig` output when one is named (secret whatever its stack marked), else the configured one. */
export function clusterKubeconfig(
  t: Extract<Environment["kubernetes"], { mode: "cluster" }>, cluster: pulumi.StackReference | undefined,
): pulumi.Input<string> | undefined {
  if (cluster === undefined) return t.kubeconfig;
  return pulumi.secret(cluster.requireOutput("kubeconfig") as pulumi.Output<string>);
}

/** The one reference to the cluster stack, when configured: kubeconfig and network facts come from it. */
export function clusterReference(env: Environment): pulumi.StackReference | undefined {
  const name = env.kubernetes.mode === "cluster" ? env.kubernetes.clusterStack : undefined;
  return name === undefined ? undefined : new pulumi.StackReference("cluster", { name });
}

/** Where the environment's data services, Secret copies and images come from. */
export interface Services {
  data: DataPlane;
  secretStore?: SecretStore;
  images: ImageSource;
}

export function servicesFor(
  env: Environment, naming: Naming, namespace: pulumi.Output<string>, cluster: pulumi.StackReference | undefined,
  awsProvider?: aws.Provider,
): Services {
  if (env.aws !== undefined) {
    const aws = awsServices(env, env.aws, naming, cluster, awsProvider ?? environmentAwsProvider(env)!);
    return { data: aws.data, secretStore: aws.data, images: aws.images };
  }
  const data = new InClusterDataPlane({
    naming,
    namespace,
    rotation: env.secretsRotation,
    redisAlsoAllowFrom: [namespacePeer(env.kedaNamespace)],
    storageClass: env.storageClass,
  });
  return { data, images: CONFIGURED_IMAGES };
}

/** What every system of an environment is deployed with, and the options their components take. */
export interface EnvironmentBase {
  /** The narrow context every system of the environment gets. */
  context: SystemContext;
  /** Providers (and the namespace to wait for) for each system's component. */
  opts: pulumi.ComponentResourceOptions;
  /** The environment's namespace (Pod Security `restricted`). */
  namespace: EnvironmentNamespace;
  /** Providers only, for the environment's own resources beside the systems. */
  providers: pulumi.ComponentResourceOptions;
}

/**
 * The environment's namespace, data plane and the narrow context systems get: what
 * `deployPlatform` deploys systems into, and what a program deploying its own instances
 * (two ScaiDrive tenants, say) starts from.
 */
export function environmentBase(env: Environment): EnvironmentBase {
  const naming = new Naming(env.stack);
  const cluster = clusterReference(env);
  const provider = kubernetesProvider(env, cluster);
  // Every AWS resource of every system (Route53 records, PTRs, data services) inherits this one
  // explicit provider through its parents: none falls back to the unconfigured default provider.
  const awsProvider = environmentAwsProvider(env);
  const providers = { providers: awsProvider ? [provider, awsProvider] : [provider] };

  const ns = new EnvironmentNamespace(env.namespace, { name: env.namespace, labels: { "scai.dev/environment": env.stack } }, { providers: [provider] });
  const services = servicesFor(env, naming, ns.name, cluster, awsProvider);
  const context: SystemContext = {
    naming,
    namespace: ns.name,
    namespaceName: env.namespace,
    domain: env.domain,
    identityProviderUrl: env.scaikeyUrl,
    ingress: env.ingress,
    secretsRotation: env.secretsRotation,
    storageClass: env.storageClass,
    dns: env.dns && { zoneId: env.dns.zoneId, ttl: env.dns.ttl, otherTxt: env.dns.otherTxt },
    neighbours: Object.keys(env.systems),
    ...services,
  };
  return { context, opts: { ...providers, dependsOn: [ns] }, namespace: ns, providers };
}

export function deployPlatform(env: Environment): PlatformOutputs {
  const { context, opts, namespace: ns, providers } = environmentBase(env);
  const systems: Partial<Record<SystemName, SystemContractOutputs>> = {};
  for (const name of Object.keys(env.systems) as SystemName[]) {
    systems[name] = systemContract(contractOf(systemDefinition(name).deploy(name, { context, settings: env.systems[name] }, opts)));
  }

  // Every public hostname points at the ingress controller's load balancer, in the environment's zone.
  const hostnames = Object.values(systems).flatMap(o => (o?.hostname === undefined ? [] : [o.hostname]));
  if (env.dns && hostnames.length > 0) {
    new PublicHostRecords("public-hosts", { zoneId: env.dns.zoneId, hostnames, target: env.dns.ingress, ttl: env.dns.ttl }, providers);
  }

  return {
    environment: env.stack,
    namespace: ns.name,
    domain: env.domain,
    renderedManifests: env.kubernetes.mode === "render" ? env.kubernetes.directory : undefined,
    systems,
  };
}
