/**
 * Turns a stack's config into one typed, validated `Environment`. Nothing else in the program
 * reads config. Every problem is collected and reported in one error before any resource is
 * registered: `<project>:<key> must be <what is allowed> (got <value>)`, one line per key.
 */
import { ConfigSource } from "./config-source";
import {
  PROFILES, Profile, Schema, Values, boolean, flatten, forProfile, hostname, httpsUrl, integer, isDnsLabel, isField,
  list, oneOf, text,
} from "./schema";

const isRoute53ZoneId = (v: string): boolean => /^Z[A-Z0-9]{1,32}$/.test(v);
import { SYSTEM_NAMES, SystemName, SystemSettings, systemSchemas, systemChecks } from "../systems/registry";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Keys every stack reads, whatever systems it deploys. */
export const platformSchema = {
  profile: oneOf(PROFILES, {
    description: "Environment profile whose defaults apply. Default: the stack name when it is local, dev or prod.",
    optional: true,
  }),
  namespace: text({
    description: "Kubernetes namespace of this environment. Default: scai-<stack>.",
    expectation: "a DNS label (lowercase letters, digits and '-', at most 63 characters)",
    check: isDnsLabel,
    optional: true,
  }),
  domain: hostname({
    description: "Base DNS domain; public hostnames default to <system>.<domain>.",
    default: { local: "scai.localhost", dev: undefined, prod: undefined },
  }),
  systems: list({
    description: "Systems this stack deploys.",
    choices: SYSTEM_NAMES,
    minItems: 1,
    default: ["scaidrive"],
  }),
  protect: boolean({
    description: "Protect stateful resources (databases, buckets) from deletion.",
    default: { local: false, dev: false, prod: true },
  }),
  secrets: {
    rotation: text({
      description: "Keeper for generated secrets: change it to rotate every generated key and password.",
      default: "1",
    }),
  },
  dataServices: oneOf(["in-cluster", "aws"] as const, {
    description: "Where databases, Redis and buckets come from.",
    default: "in-cluster",
  }),
  storageClass: text({
    description: "StorageClass for in-cluster data volumes. Default: the cluster default.",
    optional: true,
  }),
  kubernetes: {
    renderDir: text({
      description: "Render manifests to this folder instead of applying them (no cluster needed).",
      default: { local: "rendered/local", dev: undefined, prod: undefined },
      optional: true,
    }),
    kubeconfig: text({
      description: "Path to a kubeconfig (or its contents); when set, objects are applied to that cluster.",
      optional: true,
    }),
    context: text({ description: "kubeconfig context to use. Default: the current context.", optional: true }),
    clusterStack: text({
      description: "Stack that owns the cluster, as <org>/<project>/<stack>: its `kubeconfig` output (kept secret) is used instead of kubernetes.kubeconfig.",
      expectation: "a stack name <org>/<project>/<stack>",
      check: v => /^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(v),
      optional: true,
    }),
  },
  ingress: {
    className: text({ description: "IngressClass of the ingress controller.", default: "nginx" }),
    controllerNamespace: text({
      description: "Namespace of the ingress controller, admitted by the web pods' NetworkPolicies.",
      default: "ingress-nginx",
      check: isDnsLabel,
      expectation: "a DNS label",
    }),
    clusterIssuer: text({
      description: "cert-manager ClusterIssuer that signs the Ingress TLS certificates.",
      default: { local: "selfsigned", dev: "letsencrypt-staging", prod: "letsencrypt-prod" },
    }),
  },
  keda: {
    namespace: text({
      description: "Namespace of the KEDA operator, admitted by in-cluster Redis for queue-depth reads.",
      default: "keda",
      check: isDnsLabel,
      expectation: "a DNS label",
    }),
  },
  dns: {
    zoneId: text({
      description: "Route53 hosted zone of the environment's domain. DNS records are made only when it is set (local has none).",
      expectation: "a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ",
      check: isRoute53ZoneId,
      optional: true,
    }),
    ingressHostname: hostname({
      description: "DNS name of the ingress controller's load balancer; every public hostname points at it. Required with dns.zoneId.",
      optional: true,
    }),
    ingressZoneId: text({
      description: "Canonical hosted zone of that load balancer (AWS ELB/NLB): public hostnames get A/AAAA alias records. Unset: CNAME records.",
      expectation: "a Route53 hosted zone id such as Z2IFOLAFXWLO4F",
      check: isRoute53ZoneId,
      optional: true,
    }),
    ingressIpv6: boolean({ description: "The load balancer is dualstack: add AAAA aliases beside the A aliases.", default: false }),
    ttl: integer({ description: "TTL in seconds of records that are not aliases (TXT, MX, A of mail hosts, CNAME).", min: 60, max: 86400, default: 300 }),
  },
  scaikey: {
    url: httpsUrl({
      description: "Base URL of the ScaiKey identity provider shared by the systems.",
      default: { local: "https://scaikey.scai.localhost", dev: undefined, prod: undefined },
    }),
  },
} satisfies Schema;

export type PlatformSettings = Values<typeof platformSchema>;

/** Where Kubernetes objects go. */
export type KubernetesTarget =
  | { mode: "render"; directory: string }
  | { mode: "cluster"; kubeconfig?: string; context?: string; clusterStack?: string };

/** Everything the program needs to know about one environment, validated. */
export interface Environment {
  readonly project: string;
  readonly stack: string;
  readonly profile: Profile;
  readonly namespace: string;
  readonly domain: string;
  readonly protect: boolean;
  readonly secretsRotation: string;
  readonly dataServices: "in-cluster" | "aws";
  readonly storageClass?: string;
  readonly kubernetes: KubernetesTarget;
  readonly ingress: PlatformSettings["ingress"];
  readonly kedaNamespace: string;
  readonly scaikeyUrl: string;
  /** Route53 records for this environment; absent when no hosted zone is configured (local). */
  readonly dns?: DnsSettings;
  /** Settings of each enabled system; absent systems are not deployed. */
  readonly systems: Partial<SystemSettings>;
}

/** Where an environment's DNS records go and what its public hostnames point at. */
export interface DnsSettings {
  readonly zoneId: string;
  /** The ingress controller's load balancer: alias records when `zoneId` is known, else CNAMEs. */
  readonly ingress: { readonly hostname: string; readonly zoneId?: string; readonly ipv6: boolean };
  readonly ttl: number;
}

/** Reads a schema's fields from the source; problems are appended, never thrown. */
export function readSchema<S extends Schema>(
  schema: S,
  src: ConfigSource,
  profile: Profile,
  problems: string[],
  prefix = "",
): Values<S> {
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(schema)) {
    const key = prefix + k;
    if (!isField(node)) {
      out[k] = readSchema(node, src, profile, problems, `${key}.`);
      continue;
    }
    const full = `${src.project}:${key}`;
    const raw = src.get(key);
    if (node.secret) {
      out[k] = src.getSecret(key);
      if (raw === undefined && !forProfile(node.optional, profile)) {
        problems.push(`${full} must be set with \`pulumi config set --secret ${key} <value>\` (got nothing)`);
      }
      continue;
    }
    if (raw === undefined) {
      const fallback = node.default === undefined ? undefined : forProfile(node.default, profile);
      if (fallback === undefined && !forProfile(node.optional, profile)) {
        problems.push(`${full} must be ${node.expectation} (got nothing; it has no default on the ${profile} profile)`);
      }
      out[k] = fallback;
      continue;
    }
    const parsed = node.parse(raw);
    if (parsed.ok) out[k] = parsed.value;
    else problems.push(`${full} must be ${node.expectation} (got ${JSON.stringify(raw)})`);
  }
  return out as Values<S>;
}

/** The profile: explicit config, else the stack name when it names a profile. */
function resolveProfile(src: ConfigSource, problems: string[]): Profile {
  const raw = src.get("profile") ?? src.stack;
  if ((PROFILES as readonly string[]).includes(raw)) return raw as Profile;
  const got = src.get("profile") === undefined ? `nothing, and the stack name ${JSON.stringify(src.stack)} is not a profile` : JSON.stringify(raw);
  problems.push(`${src.project}:profile must be ${platformSchema.profile.expectation} (got ${got})`);
  return "local";
}

/** Reads and validates the whole stack config; throws one ConfigError listing every problem. */
export function loadEnvironment(src: ConfigSource): Environment {
  const problems: string[] = [];
  const profile = resolveProfile(src, problems);
  const { profile: _ignored, ...rest } = platformSchema;
  const p = readSchema(rest, src, profile, problems);

  const systems: Partial<Record<SystemName, unknown>> = {};
  for (const name of p.systems ?? []) {
    const before = problems.length;
    const settings = (readSchema(systemSchemas[name] as Schema, src, profile, problems) as Record<string, unknown>)[name];
    if (problems.length === before) {
      problems.push(...systemChecks[name](settings as never, { profile, project: src.project, domain: p.domain, dataServices: p.dataServices }));
    }
    systems[name] = settings;
  }
  if (p.dns.zoneId !== undefined && p.dns.ingressHostname === undefined) {
    problems.push(`${src.project}:dns.ingressHostname must be set when dns.zoneId is, so public hostnames can point at the ingress load balancer (got nothing)`);
  }
  // The managed AWS data plane is not built yet (README, "Status"): refuse it here, before anything is registered.
  if (p.dataServices === "aws") {
    problems.push(`${src.project}:dataServices must be "in-cluster" until the AWS data plane exists (got "aws")`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const kubernetes: KubernetesTarget =
    p.kubernetes.kubeconfig !== undefined || p.kubernetes.context !== undefined || p.kubernetes.clusterStack !== undefined || p.kubernetes.renderDir === undefined
      ? { mode: "cluster", kubeconfig: p.kubernetes.kubeconfig, context: p.kubernetes.context, ...(p.kubernetes.clusterStack === undefined ? {} : { clusterStack: p.kubernetes.clusterStack }) }
      : { mode: "render", directory: p.kubernetes.renderDir };

  return {
    project: src.project,
    stack: src.stack,
    profile,
    namespace: p.namespace ?? `scai-${src.stack}`,
    domain: p.domain,
    protect: p.protect,
    secretsRotation: p.secrets.rotation,
    dataServices: p.dataServices,
    storageClass: p.storageClass,
    kubernetes,
    ingress: p.ingress,
    kedaNamespace: p.keda.namespace,
    scaikeyUrl: p.scaikey.url,
    ...(p.dns.zoneId === undefined ? {} : {
      dns: {
        zoneId: p.dns.zoneId,
        ingress: { hostname: p.dns.ingressHostname!, zoneId: p.dns.ingressZoneId, ipv6: p.dns.ingressIpv6 },
        ttl: p.dns.ttl,
      },
    }),
    systems: systems as Partial<SystemSettings>,
  };
}

/** Every key the program can read, with its field: the Pulumi.yaml `config:` block mirrors this. */
export function allConfigKeys() {
  return [
    ...flatten(platformSchema),
    ...SYSTEM_NAMES.flatMap(name => flatten(systemSchemas[name])),
  ];
}
