/**
 * What a system is deployed with: a narrow view of its environment (names, namespace, domain,
 * data plane, images, secret store, ingress, DNS, identity provider), and the definition each
 * system file exports. Nothing here knows the stack's configuration or the platform wiring, so
 * systems depend only on components and the config toolkit, never on the layer that deploys them.
 */
import * as pulumi from "@pulumi/pulumi";
import { DataPlane } from "../components/data/data-plane";
import { SecretStore } from "../components/k8s/app-secret";
import { EgressRule, internetEgress, namespacePeer } from "../components/k8s/network";
import { Naming } from "../components/naming";
import { readSchema } from "../config/config-reader";
import type { Schema, Values } from "../config/schema";
import { CheckContext, SystemOutputs, contractOf } from "./contract";

/** What pods run for a system's configured image, and what names its release (for one-shot Jobs). */
export interface ResolvedImage {
  /** The reference pods run: the configured one, or a pushed build by digest. */
  ref: pulumi.Input<string>;
  /** Names the release: a new value gives one-shot Jobs (migrations) a new name, so they run again. */
  revision: string;
}

/** Where a system's image comes from: the configured reference as is, or a build pushed to a registry. */
export interface ImageSource {
  /**
   * `system` is the kind (`scaidrive`), `instance` the component's name (the kind for the
   * environment's own instance), `configured` its `image` setting; a build, if any, is
   * registered under `parent` and named from `instance`.
   */
  resolve(system: string, configured: string, parent: pulumi.Resource, instance?: string): ResolvedImage;
}

/** Pods run the configured reference. */
export const CONFIGURED_IMAGES: ImageSource = { resolve: (_system, configured) => ({ ref: configured, revision: configured }) };

/** The ingress controller a system's public hosts go through. */
export interface IngressContext {
  /** IngressClass name. */
  className: string;
  /** cert-manager ClusterIssuer that signs the TLS certificates. */
  clusterIssuer: string;
  /** Namespace of the controller's pods: the only peer admitted to a public web port. */
  controllerNamespace: string;
}

/** The hosted zone a system writes its own records to (mail records, for example). */
export interface DnsContext {
  /** Route53 hosted zone ID of the environment's domain. */
  zoneId: string;
  /** TTL of the records, seconds. */
  ttl: number;
  /** The operator's other TXT values by record name, merged into any TXT set a system writes. */
  otherTxt: Record<string, string[]>;
}

/** The slice of an environment a system is deployed with. */
export interface SystemContext {
  /** Derives every physical name and label (from the environment's name). */
  naming: Naming;
  /** The environment's namespace, resolved once the Namespace exists. */
  namespace: pulumi.Output<string>;
  /** The same namespace's name as a plain string, for names derived from it. */
  namespaceName: string;
  /** Base DNS domain; public hostnames default to `<sub>.<domain>`. */
  domain: string;
  /** The identity provider's (ScaiKey's) base URL. */
  identityProviderUrl: string;
  /** The ingress controller public hosts go through. */
  ingress: IngressContext;
  /** Keeper of generated secrets: changing it rotates every generated key and password. */
  secretsRotation: string;
  /** Databases, Redis and buckets. */
  data: DataPlane;
  /** Where images come from. */
  images: ImageSource;
  /** Where app Secrets are copied besides Kubernetes (Secrets Manager on AWS). Default: nowhere. */
  secretStore?: SecretStore;
  /** The zone a system's own DNS records go to. Default: none (no records written). */
  dns?: DnsContext;
  /** StorageClass for a system's own volumes. Default: the cluster default. */
  storageClass?: string;
  /** The other systems deployed in the environment (by kind), for cross-system links. Default: none. */
  neighbours?: readonly string[];
}

/** The standard args of every system component: where it goes, and its validated settings. */
export interface SystemArgs<S> {
  /** The environment it is deployed into. */
  context: SystemContext;
  /** Its settings: the system's config object as its schema validated it. */
  settings: S;
}

/**
 * What every system component does alike: it refuses an instance name no derived name can carry
 * before anything is registered, records its settings as its inputs (visible in state and in a
 * diff; the context is not recorded: it holds other resources and the data plane, which are not
 * this system's inputs), and registers the outputs contract's fields as its outputs.
 */
export abstract class SystemComponent<S> extends pulumi.ComponentResource {
  protected constructor(type: string, instance: string, args: SystemArgs<S>, opts?: pulumi.ComponentResourceOptions) {
    checkInstanceName(instance);
    super(type, instance, { settings: args.settings }, opts);
  }

  /** Registers every outputs-contract field the system set on itself, and `extra` beside them. */
  protected registerContract(this: SystemComponent<S> & SystemOutputs, extra: pulumi.Inputs = {}): void {
    this.registerOutputs({ ...contractOf(this), ...extra });
  }
}

/**
 * One system, whole: its config key, schema, cross-key checks and deployer. The registry is a
 * list of these; nothing else names a system.
 */
export interface SystemDefinition<K extends string = string, Sch extends Schema = Schema> {
  /** Config key of its settings and the name of the environment's own instance. */
  readonly name: K;
  /** Its config schema: `{ [name]: { ...keys } }`. */
  readonly schema: Sch;
  /** Checks across keys, after each key is valid on its own; one message per problem. */
  check(settings: SettingsOf<K, Sch>, ctx: CheckContext): string[];
  /** Deploys one instance named `name` and returns what the outputs contract says of it. */
  deploy(name: string, args: SystemArgs<SettingsOf<K, Sch>>, opts?: pulumi.ComponentResourceOptions): SystemOutputs;
}

/** The validated settings a schema `{ [K]: {...} }` yields for its system. */
export type SettingsOf<K extends string, Sch extends Schema> = Values<Sch>[K & keyof Values<Sch>];

/** Declares a system with its types inferred from the schema. */
export function defineSystem<K extends string, Sch extends Schema>(d: SystemDefinition<K, Sch>): SystemDefinition<K, Sch> {
  return d;
}

/**
 * A system's settings as a program other than this platform builds them: the schema's defaults
 * for `check.profile`, with `values` over them (the system's object as a stack file holds it,
 * `{ image: "…", api: { replicas: 2 } }`), validated and checked as `pulumi up` checks a stack.
 * Throws one Error listing every problem, each naming the key, the value and what is allowed.
 * Secret values are taken as given: the caller keeps them secret.
 */
export function settingsFor<K extends string, Sch extends Schema>(
  system: SystemDefinition<K, Sch>, values: Record<string, unknown>, check: CheckContext,
): SettingsOf<K, Sch> {
  const problems: string[] = [];
  const src = { project: check.project, stack: check.profile, keys: () => [], get: () => undefined, isSecret: () => undefined };
  const all = readSchema(system.schema, { [system.name]: values }, { src, profile: check.profile, problems }) as Record<string, unknown>;
  const settings = all[system.name] as SettingsOf<K, Sch>;
  if (problems.length === 0) problems.push(...system.check(settings, check));
  if (problems.length > 0) throw new Error(`Invalid ${system.name} settings:\n  ${problems.join("\n  ")}`);
  return settings;
}

/**
 * The hostname a system instance answers on when none is configured: `<sub>.<domain>` for the
 * environment's own instance (named after its kind), `<name>.<domain>` for any other instance,
 * so two instances never share a host.
 */
export function defaultHost(ctx: SystemContext, kind: string, name: string, sub: string): string {
  return name === kind ? `${sub}.${ctx.domain}` : `${name}.${ctx.domain}`;
}

/** The longest instance name: its SQL form is the RDS master user name, which MySQL and MariaDB limit to 16. */
export const MAX_INSTANCE_NAME = 16;

/**
 * Refuses an instance name every derived name cannot carry, before anything is registered: a DNS
 * label starting with a letter (RDS user names must), at most MAX_INSTANCE_NAME characters.
 */
export function checkInstanceName(name: string): void {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > MAX_INSTANCE_NAME) {
    throw new Error(`system instance name "${name}" must be a DNS label starting with a letter, at most ${MAX_INSTANCE_NAME} characters (it names the database user, Redis, bucket and every Kubernetes object)`);
  }
}

/**
 * A SQL identifier for an instance (database and user names): the instance name with `-` as `_`,
 * which RDS and every engine accept unquoted. The environment's own instance keeps its kind's name
 * (no kind contains a `-`).
 */
export function sqlName(name: string): string {
  return name.replace(/-/g, "_");
}

/** The ingress controller's pods: the only peer allowed to reach a public web port. */
export function ingressControllerPeer(ctx: SystemContext) {
  return namespacePeer(ctx.ingress.controllerNamespace);
}

const CLUSTER_HOST = /(^[^.]+$)|(\.svc(\.cluster\.local)?$)/;

/**
 * Egress to the host of a configured URL: in-cluster hosts (`weaviate`, `x.ns.svc`) on their
 * port anywhere in the cluster, anything else on the public internet.
 */
export function egressToUrl(url: string): EgressRule {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return CLUSTER_HOST.test(u.hostname)
    ? { to: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port }] }
    : internetEgress([port]);
}

/**
 * A further hostname of an instance (a mail host, say): `<sub>.<domain>` for the environment's
 * own instance, `<sub>.<name>.<domain>` for any other.
 */
export function instanceHost(ctx: SystemContext, kind: string, name: string, sub: string): string {
  return name === kind ? `${sub}.${ctx.domain}` : `${sub}.${name}.${ctx.domain}`;
}
