/**
 * Turns a stack's config into one typed, validated `Environment`. Nothing else in the program
 * reads config. Every problem is collected and reported in one error before any resource is
 * registered: `<project>:<key> must be <what is allowed> (got <value>)`, one line per key,
 * unknown keys included (with the closest known key).
 */
import {
  boolean, ConfigSource, flatten, hostname, httpsUrl, integer, isDnsLabel, list, oneOf,
  topLevelValues, Profile, PROFILES, readSchema, Resolved, Schema, SYSTEM_NAMES, systemDefinition,
  SystemName, SYSTEMS, SystemSettings, unknownKeyProblems, Values, text,
} from "@scai/platform-components";


const isRoute53ZoneId = (v: string): boolean => /^Z[A-Z0-9]{1,32}$/.test(v);
const isAwsRegion = (v: string): boolean => /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(v);
const isCidr = (v: string): boolean =>
  /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.test(v) &&
  v.split("/")[0].split(".").every(o => Number(o) <= 255) && Number(v.split("/")[1]) <= 32;

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
    description: "Where databases, Redis and buckets come from: in the cluster, or managed by AWS (RDS, ElastiCache, S3).",
    default: { local: "in-cluster", dev: "aws", prod: "aws" },
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
    otherTxt: list({
      description: "Other TXT values of names this stack publishes TXT at (a sender domain, often the zone apex; _dmarc.<domain>), one \"<name> <value>\" per item: Route53 keeps one TXT record set per name, which this stack then owns whole (docs/aws.md).",
      itemExpectation: "\"<name> <value>\" items such as \"example.com google-site-verification=abc\"",
      itemCheck: v => /^[a-z0-9_.-]+\.[a-z]+ \S.*$/.test(v),
      default: [],
    }),
  },
  aws: {
    region: text({
      description: "AWS region of the managed data services (dataServices aws).",
      expectation: "an AWS region such as eu-west-1",
      check: isAwsRegion,
      default: "eu-west-1",
    }),
    replicaRegion: text({
      description: "Second region every bucket replicates to; unset: no replication. Must differ from aws.region.",
      expectation: "an AWS region such as eu-central-1",
      check: isAwsRegion,
      default: { local: undefined, dev: undefined, prod: "eu-central-1" },
      optional: true,
    }),
    customerManagedKey: boolean({
      description: "Encrypt RDS, ElastiCache, S3, ECR and Secrets Manager with a KMS key of this environment (rotated yearly) instead of AWS-managed keys.",
      default: { local: false, dev: false, prod: true },
    }),
    vpcId: text({
      description: "VPC of the cluster. Unset: the cluster stack's `vpcId` output.",
      expectation: "a VPC id such as vpc-0123456789abcdef0",
      check: v => /^vpc-[0-9a-f]{8,17}$/.test(v),
      optional: true,
    }),
    vpcCidr: text({
      description: "CIDR of that VPC: the pods' egress to managed data services. Unset: the cluster stack's `vpcCidr` output.",
      expectation: "an IPv4 CIDR such as 10.0.0.0/16",
      check: isCidr,
      optional: true,
    }),
    privateSubnetIds: list({
      description: "Private subnets for databases and Redis, in at least two zones. Unset: the cluster stack's `privateSubnetIds` output.",
      itemExpectation: "subnet ids such as subnet-0123456789abcdef0",
      itemCheck: v => /^subnet-[0-9a-f]{8,17}$/.test(v),
      minItems: 2,
      optional: true,
    }),
    nodeSecurityGroupId: text({
      description: "Security group of the cluster nodes, the only one admitted by databases and Redis. Unset: the cluster stack's `nodeSecurityGroupId` output.",
      expectation: "a security group id such as sg-0123456789abcdef0",
      check: v => /^sg-[0-9a-f]{8,17}$/.test(v),
      optional: true,
    }),
    oidcProviderArn: text({
      description: "The cluster's IAM OIDC provider, trusted by the IRSA roles. Unset: the cluster stack's `oidcProviderArn` output.",
      expectation: "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
      check: v => /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/\S+$/.test(v),
      optional: true,
    }),
    oidcProviderUrl: text({
      description: "Issuer of that provider, without https://. Unset: the cluster stack's `oidcProviderUrl` output.",
      expectation: "an issuer such as oidc.eks.eu-west-1.amazonaws.com/id/ABC (no scheme)",
      check: v => /^[a-z0-9.-]+(\/\S+)?$/.test(v),
      optional: true,
    }),
    database: {
      instanceClass: text({
        description: "RDS instance class of every system database.",
        expectation: "an RDS instance class such as db.t4g.medium",
        check: v => /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v),
        default: { local: "db.t4g.medium", dev: "db.t4g.medium", prod: "db.r6g.large" },
      }),
      allocatedStorageGb: integer({
        description: "Storage of each database in GiB (gp3).",
        min: 20,
        max: 65536,
        default: { local: 20, dev: 20, prod: 100 },
      }),
      backupRetentionDays: integer({
        description: "Days of automated backups and point-in-time recovery (prod requires at least 7).",
        min: 1,
        max: 35,
        default: { local: 1, dev: 1, prod: 14 },
      }),
    },
    redis: {
      nodeType: text({
        description: "ElastiCache node type of every system Redis.",
        expectation: "an ElastiCache node type such as cache.t4g.small",
        check: v => /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(v),
        default: { local: "cache.t4g.small", dev: "cache.t4g.small", prod: "cache.r7g.large" },
      }),
    },
    noncurrentVersionDays: integer({
      description: "Days a bucket keeps overwritten or deleted object versions.",
      min: 1,
      default: { local: 7, dev: 7, prod: 30 },
    }),
    staticBucketKeys: boolean({
      description: "Give apps static S3 access keys (an IAM user, keys in the app Secret) instead of IRSA alone. Only for clusters without an OIDC provider.",
      default: false,
    }),
    legacyBucketNames: boolean({
      description: "Keep bucket names without the environment's random suffix (scai-<stack>-<system>-<purpose>): only for stacks whose buckets were created before names got one, since S3 cannot rename a bucket (docs/aws.md).",
      default: false,
    }),
  },
  images: {
    build: list({
      description: "Systems whose image is built from source and pushed to an ECR repository of this environment (dataServices aws); the tag of <system>.image names the build. Others run <system>.image as configured.",
      choices: SYSTEM_NAMES,
      default: [],
    }),
    contextRoot: text({
      description: "Folder holding one Docker build context per built system: <contextRoot>/<system> (with its Dockerfile).",
      default: "images",
    }),
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
  /** Present exactly when dataServices is "aws". */
  readonly aws?: AwsSettings;
  /**
   * Region of the environment's AWS provider (aws.region): data services, and the Elastic IPs whose
   * PTR records are set. Every AWS resource goes through that one explicit provider.
   */
  readonly awsRegion: string;
  readonly storageClass?: string;
  readonly kubernetes: KubernetesTarget;
  readonly ingress: PlatformSettings["ingress"];
  readonly kedaNamespace: string;
  readonly scaikeyUrl: string;
  /** Systems built from `<contextRoot>/<system>` and pushed to ECR (AWS only). */
  readonly images: { readonly build: readonly SystemName[]; readonly contextRoot: string };
  /** Route53 records for this environment; absent when no hosted zone is configured (local). */
  readonly dns?: DnsSettings;
  /** Settings of each enabled system; absent systems are not deployed. */
  readonly systems: Partial<SystemSettings>;
}

/** The cluster facts the AWS data plane needs: each from config, else from the cluster stack's output of the same name. */
export const CLUSTER_NETWORK_KEYS = ["vpcId", "vpcCidr", "privateSubnetIds", "nodeSecurityGroupId", "oidcProviderArn", "oidcProviderUrl"] as const;
export type ClusterNetworkKey = (typeof CLUSTER_NETWORK_KEYS)[number];

/** Managed data services on AWS (dataServices aws). */
export interface AwsSettings {
  readonly region: string;
  readonly replicaRegion?: string;
  readonly customerManagedKey: boolean;
  /** Explicitly configured cluster facts; the rest come from `clusterStack`. */
  readonly network: Partial<{ [K in ClusterNetworkKey]: K extends "privateSubnetIds" ? string[] : string }>;
  /** Cluster stack that provides the facts not configured (the same one as kubernetes.clusterStack). */
  readonly clusterStack?: string;
  readonly database: { readonly instanceClass: string; readonly allocatedStorageGb: number; readonly backupRetentionDays: number };
  readonly redis: { readonly nodeType: string };
  readonly noncurrentVersionDays: number;
  readonly staticBucketKeys: boolean;
  /** Bucket names without the random suffix (stacks created before it existed). */
  readonly legacyBucketNames: boolean;
}

function awsProblems(p: Values<Omit<typeof platformSchema, "profile">>, project: string, profile: Profile): string[] {
  const problems: string[] = [];
  if (p.kubernetes.clusterStack === undefined) {
    for (const key of CLUSTER_NETWORK_KEYS) {
      if (p.aws[key] === undefined) {
        problems.push(`${project}:aws.${key} must be ${platformSchema.aws[key].expectation} when dataServices is "aws" and no kubernetes.clusterStack provides it (got nothing)`);
      }
    }
  }
  if (p.aws.replicaRegion !== undefined && p.aws.replicaRegion === p.aws.region) {
    problems.push(`${project}:aws.replicaRegion must be a region other than aws.region (got "${p.aws.replicaRegion}")`);
  }
  if (profile === "prod" && p.aws.database.backupRetentionDays < 7) {
    problems.push(`${project}:aws.database.backupRetentionDays must be an integer >= 7 on prod (got ${p.aws.database.backupRetentionDays})`);
  }
  return problems;
}

function awsSettings(p: Values<Omit<typeof platformSchema, "profile">>): AwsSettings {
  const network = Object.fromEntries(CLUSTER_NETWORK_KEYS.filter(k => p.aws[k] !== undefined).map(k => [k, p.aws[k]]));
  return {
    region: p.aws.region,
    replicaRegion: p.aws.replicaRegion,
    customerManagedKey: p.aws.customerManagedKey,
    network,
    clusterStack: p.kubernetes.clusterStack,
    database: p.aws.database,
    redis: p.aws.redis,
    noncurrentVersionDays: p.aws.noncurrentVersionDays,
    staticBucketKeys: p.aws.staticBucketKeys,
    legacyBucketNames: p.aws.legacyBucketNames,
  };
}

/** Where an environment's DNS records go and what its public hostnames point at. */
export interface DnsSettings {
  readonly zoneId: string;
  /** The ingress controller's load balancer: alias records when `zoneId` is known, else CNAMEs. */
  readonly ingress: { readonly hostname: string; readonly zoneId?: string; readonly ipv6: boolean };
  readonly ttl: number;
  /** The operator's other TXT values by record name (dns.otherTxt). */
  readonly otherTxt: Record<string, string[]>;
}

/** dns.otherTxt items ("<name> <value>") grouped by name. */
export function otherTxtRecords(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const i = item.indexOf(" ");
    (out[item.slice(0, i)] ??= []).push(item.slice(i + 1));
  }
  return out;
}

/** The profile: explicit config, else the stack name when it names a profile. */
function resolveProfile(src: ConfigSource, problems: string[], trace?: Resolved[]): Profile {
  const raw = src.get("profile") ?? src.stack;
  trace?.push({ key: "profile", value: raw, source: src.get("profile") === undefined ? "derived" : "stack file", secret: false });
  if ((PROFILES as readonly string[]).includes(raw)) return raw as Profile;
  const got = src.get("profile") === undefined ? `nothing, and the stack name ${JSON.stringify(src.stack)} is not a profile` : JSON.stringify(raw);
  problems.push(`${src.project}:profile must be ${platformSchema.profile.expectation} (got ${got})`);
  return "local";
}

/** Every top-level key a stack may set: the platform's and each system's object. */
export function stackSchema(): Schema {
  return Object.assign({}, platformSchema, ...SYSTEM_NAMES.map(name => SYSTEMS[name].schema)) as Schema;
}

/**
 * Reads and validates the whole stack config; throws one ConfigError listing every problem.
 * With `trace`, every value read is recorded there with its source (what `config:show` prints),
 * also when the config is refused.
 */
export function loadEnvironment(src: ConfigSource, trace?: Resolved[]): Environment {
  const problems: string[] = [];
  const profile = resolveProfile(src, problems, trace);
  const schema = stackSchema();
  const values = topLevelValues(schema, src, problems);
  problems.push(...unknownKeyProblems(schema, values, src.project, path => src.isSecret(path)));
  const ctx = { src, profile, problems, trace };
  const { profile: _ignored, ...rest } = platformSchema;
  const p = readSchema(rest, values, ctx);

  const systems: Partial<Record<SystemName, unknown>> = {};
  for (const name of p.systems ?? []) {
    const before = problems.length;
    const system = systemDefinition(name);
    const settings = (readSchema(system.schema, values, ctx) as Record<string, unknown>)[name];
    if (problems.length === before) {
      problems.push(...system.check(settings as never, { profile, project: src.project, domain: p.domain, dataServices: p.dataServices, staticBucketKeys: p.aws.staticBucketKeys }));
    }
    systems[name] = settings;
  }
  if (p.dns.zoneId !== undefined && p.dns.ingressHostname === undefined) {
    problems.push(`${src.project}:dns.ingressHostname must be set when dns.zoneId is, so public hostnames can point at the ingress load balancer (got nothing)`);
  }
  if (p.dataServices === "aws") problems.push(...awsProblems(p, src.project, profile));
  const unbuildable = (p.images.build ?? []).filter(n => !(p.systems ?? []).includes(n));
  if (unbuildable.length > 0) {
    problems.push(`${src.project}:images.build must list only deployed systems (got ${JSON.stringify(unbuildable)}, not in systems)`);
  }
  if ((p.images.build ?? []).length > 0 && p.dataServices !== "aws") {
    problems.push(`${src.project}:images.build must be empty unless dataServices is "aws", where the ECR repositories live (got ${JSON.stringify(p.images.build)})`);
  }
  const namespace = p.namespace ?? `scai-${src.stack}`;
  if (p.namespace === undefined && trace) {
    const i = trace.findIndex(r => r.key === "namespace");
    trace[i] = { key: "namespace", value: namespace, source: "derived", secret: false };
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const kubernetes: KubernetesTarget =
    p.kubernetes.kubeconfig !== undefined || p.kubernetes.context !== undefined || p.kubernetes.clusterStack !== undefined || p.kubernetes.renderDir === undefined
      ? { mode: "cluster", kubeconfig: p.kubernetes.kubeconfig, context: p.kubernetes.context, ...(p.kubernetes.clusterStack === undefined ? {} : { clusterStack: p.kubernetes.clusterStack }) }
      : { mode: "render", directory: p.kubernetes.renderDir };

  return {
    ...(p.dataServices === "aws" ? { aws: awsSettings(p) } : {}),
    awsRegion: p.aws.region,
    project: src.project,
    stack: src.stack,
    profile,
    namespace,
    domain: p.domain,
    protect: p.protect,
    secretsRotation: p.secrets.rotation,
    dataServices: p.dataServices,
    storageClass: p.storageClass,
    kubernetes,
    ingress: p.ingress,
    kedaNamespace: p.keda.namespace,
    scaikeyUrl: p.scaikey.url,
    images: { build: p.images.build, contextRoot: p.images.contextRoot },
    ...(p.dns.zoneId === undefined ? {} : {
      dns: {
        zoneId: p.dns.zoneId,
        ingress: { hostname: p.dns.ingressHostname!, zoneId: p.dns.ingressZoneId, ipv6: p.dns.ingressIpv6 },
        ttl: p.dns.ttl,
        otherTxt: otherTxtRecords(p.dns.otherTxt),
      },
    }),
    systems: systems as Partial<SystemSettings>,
  };
}

/** Every key the program can read, with its field: the Pulumi.yaml `config:` block mirrors this. */
export function allConfigKeys() {
  return [
    ...flatten(platformSchema),
    ...SYSTEM_NAMES.flatMap(name => flatten(SYSTEMS[name].schema)),
  ];
}
