/**
 * RA-HCP: a SvelteKit `frontend` and a FastAPI `backend` (gunicorn, one worker per
 * pod, scaled by replicas) behind one Ingress host (`/api` to the backend, `/` to the frontend),
 * and a Redis cache in the cluster that only the backend reaches. One environment talks to one
 * HCP domain; prod verifies HCP's TLS and names its CORS origins.
 */
import * as pulumi from "@pulumi/pulumi";
import { redisUrl } from "../components/data/data-plane";
import { InClusterRedis } from "../components/data/in-cluster-redis";
import { AppSecret } from "../components/k8s/app-secret";
import { EgressRule, internetEgress } from "../components/k8s/network";
import { ipFamily } from "../components/dns/record-values";
import { envVars } from "../components/k8s/pod-spec";
import { WebIngress } from "../components/k8s/web-ingress";
import { Workload } from "../components/k8s/workload";
import {
  Profile, Values, boolean, cpu, hostname, image, integer, isImmutableImageRef, list, memory, text,
} from "../config/schema";
import { SystemArgs, SystemComponent, defaultHost, defineSystem, ingressControllerPeer } from "./context";

export const RAHCP = "rahcp";

/** Facts RA-HCP's operators require, not configuration. */
export const RAHCP_SEED = {
  port: 8000,
  probes: { liveness: "/liveness", readiness: "/readiness" },
  /** The Dockerfile's CMD, with the worker count as its one variable. */
  gunicorn: (workers: number) => [
    "gunicorn", "app.main:app",
    "--worker-class", "uvicorn.workers.UvicornWorker",
    "--bind", "0.0.0.0:8000",
    "--workers", String(workers),
    "--max-requests", "10000",
    "--max-requests-jitter", "1000",
    "--timeout", "120",
    "--keep-alive", "5",
    "--access-logfile", "-",
  ],
  /** `secrets.token_urlsafe(64)` is 86 characters; the checklist asks for 64+. */
  apiSecretKeyLength: 86,
  pdbMinAvailable: 1,
} as const;

const perProfile = <T>(local: T, dev: T, prod: T) => ({ local, dev, prod });

/** An IPv4 or IPv6 block: an address and a prefix length its family allows. */
export function isCidr(v: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  const family = m ? ipFamily(m[1]) : undefined;
  return family !== undefined && Number(m![2]) <= (family === 4 ? 32 : 128);
}

/**
 * Whether HCP_DOMAIN names no real HCP: `.localhost` names never leave the machine (RFC 6761),
 * so the backend's /readiness, which checks HCP MAPI, cannot pass.
 */
export const isPlaceholderHcp = (domain: string): boolean => domain === "localhost" || domain.endsWith(".localhost");

export const rahcpSchema = {
  rahcp: {
    image: image({
      description: "Backend image. Prod requires a tag other than latest or a digest.",
      default: { local: "riksarkivet/ra-hcp:latest", dev: "riksarkivet/ra-hcp:latest", prod: undefined },
    }),
    frontendImage: image({
      description: "Frontend image. Prod requires a tag other than latest or a digest.",
      default: { local: "riksarkivet/ra-hcp-frontend:latest", dev: "riksarkivet/ra-hcp-frontend:latest", prod: undefined },
    }),
    hostname: hostname({ description: "Public hostname of the UI and /api. Default: hcp-ui.<domain>.", optional: true }),
    hcpDomain: hostname({
      description: "HCP_DOMAIN: the one HCP system this environment manages.",
      default: { local: "hcp.scai.localhost", dev: undefined, prod: undefined },
    }),
    hcp: {
      cidrs: list<string>({
        description: "Address ranges of the HCP system (MAPI and S3 endpoints), e.g. its private or VPN network: the backend may reach these on hcp.ports. Default: [] (HCP on public addresses: the public internet on hcp.ports).",
        itemCheck: isCidr,
        itemExpectation: "CIDR blocks such as 10.20.0.0/16",
        default: [],
      }),
      ports: list<string>({
        description: "TCP ports of the HCP endpoints the backend reaches: MAPI and S3.",
        minItems: 1,
        itemCheck: v => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535,
        itemExpectation: "TCP ports",
        default: ["9090", "443"],
      }),
    },
    verifySsl: boolean({ description: "HCP_VERIFY_SSL. Must be true on prod.", default: perProfile(false, true, true) }),
    corsOrigins: text({
      description: "CORS_ORIGINS, comma-separated. Default: https://<hostname>. Never * on prod.",
      optional: true,
    }),
    backend: {
      replicas: integer({ description: "Backend pods (RA-HCP's table: dev 1, prod 5).", min: 1, default: perProfile(1, 1, 5) }),
      workers: integer({ description: "Gunicorn workers per pod (1: scale with replicas so probes see every worker).", min: 1, default: 1 }),
      autoscaling: boolean({ description: "Scale backend pods on CPU between replicas and maxReplicas.", default: false }),
      maxReplicas: integer({ description: "HPA maximum, when autoscaling.", min: 1, default: perProfile(2, 3, 10) }),
      targetCpu: integer({ description: "HPA CPU utilisation target, percent.", min: 10, max: 100, default: 70 }),
      cpu: cpu({ description: "CPU request per backend pod (RA-HCP's values-prod: 250m).", default: "250m" }),
      cpuLimit: cpu({ description: "CPU limit per backend pod (values-prod: 1000m).", default: "1" }),
      memory: memory({ description: "Memory request per backend pod (values-prod: 256Mi).", default: "256Mi" }),
      memoryLimit: memory({ description: "Memory limit per backend pod (values-prod: 512Mi).", default: "512Mi" }),
    },
    frontend: {
      replicas: integer({ description: "Frontend pods (RA-HCP's table: dev 1, prod 2).", min: 1, default: perProfile(1, 1, 2) }),
      cpu: cpu({ description: "CPU request per frontend pod.", default: "100m" }),
      cpuLimit: cpu({ description: "CPU limit per frontend pod.", default: "500m" }),
      memory: memory({ description: "Memory request per frontend pod.", default: "128Mi" }),
      memoryLimit: memory({ description: "Memory limit per frontend pod.", default: "256Mi" }),
    },
  },
};

export type RaHcpSettings = Values<typeof rahcpSchema>["rahcp"];

export function checkRaHcp(s: RaHcpSettings, ctx: { profile: Profile; project: string }): string[] {
  const k = (key: string) => `${ctx.project}:rahcp.${key}`;
  const problems: string[] = [];
  if (ctx.profile === "prod") {
    for (const key of ["image", "frontendImage"] as const) {
      if (!isImmutableImageRef(s[key])) problems.push(`${k(key)} must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "${s[key]}")`);
    }
    if (!s.verifySsl) problems.push(`${k("verifySsl")} must be true on prod: HCP traffic is otherwise open to interception (got false)`);
  }
  if (ctx.profile !== "local" && isPlaceholderHcp(s.hcpDomain)) {
    problems.push(`${k("hcpDomain")} must name a reachable HCP on ${ctx.profile}: a .localhost name never resolves to one, so no backend would ever be ready (got "${s.hcpDomain}")`);
  }
  const origins = s.corsOrigins?.split(",").map(o => o.trim());
  if (origins?.some(o => o === "")) problems.push(`${k("corsOrigins")} must not hold empty origins (got "${s.corsOrigins}")`);
  if (ctx.profile === "prod" && origins?.some(o => o === "*" || o.toLowerCase() === "false")) {
    problems.push(`${k("corsOrigins")} must list explicit origins on prod, not * or false (got "${s.corsOrigins}")`);
  }
  if (s.backend.autoscaling && s.backend.replicas > s.backend.maxReplicas) {
    problems.push(`${k("backend.maxReplicas")} must be >= backend.replicas (${s.backend.replicas}) (got ${s.backend.maxReplicas})`);
  }
  return problems;
}

/** What a RaHcp instance is deployed with: `context` (its environment) and `settings` (its validated config). */
export type RaHcpArgs = SystemArgs<RaHcpSettings>;

/** One RaHcp: the environment's own is named after its kind; any other instance derives every name, host and data service from its own name. */
export class RaHcp extends SystemComponent<RaHcpSettings> {
  public readonly url: string;
  public readonly apiAddress: pulumi.Output<string>;
  public readonly secretName: pulumi.Output<string>;
  public readonly redisHost: pulumi.Output<string>;

  constructor(instance: string, args: RaHcpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:system:RaHcp", instance, args, opts);
    const { context: ctx, settings: s } = args;
    const img = ctx.images.resolve(RAHCP, s.image, this, instance);
    const { naming } = ctx;
    const ns = ctx.namespace;
    const child = { parent: this };
    const host = s.hostname ?? defaultHost(ctx, RAHCP, instance, "hcp-ui");
    const name = (...parts: string[]) => naming.k8s(instance, ...parts);
    const labels = (role: string) => naming.labels(RAHCP, role, instance);

    // Always in the cluster, even where other systems use a managed Redis: a per-environment cache
    // that only this backend may reach (RA-HCP's checklist), so no other peer is admitted.
    const redis = new InClusterRedis(name("redis"), {
      namespace: ns,
      selector: labels("redis"),
      request: { maxmemoryPolicy: "allkeys-lru" },
      rotation: ctx.secretsRotation,
      storageClass: ctx.storageClass,
    }, child).connection;

    const secret = new AppSecret(name("env"), {
      namespace: ns,
      labels: labels("env"),
      rotation: ctx.secretsRotation,
      mirror: ctx.secretStore,
      generated: { API_SECRET_KEY: { length: RAHCP_SEED.apiSecretKeyLength } },
      values: { REDIS_URL: redisUrl(redis) },
    }, child);
    this.secretName = secret.secretName;

    // HCP's management API and S3 endpoint: at the configured ranges (private or VPN, the common
    // case), else on public addresses.
    const hcpPorts = s.hcp.ports.map(Number);
    const toHcp: EgressRule = s.hcp.cidrs.length > 0
      ? { to: s.hcp.cidrs.map(cidr => ({ ipBlock: { cidr } })), ports: hcpPorts.map(port => ({ protocol: "TCP", port })) }
      : internetEgress(hcpPorts);
    const placeholder = isPlaceholderHcp(s.hcpDomain);

    const frontendSelector = labels("frontend");
    const backend = new Workload(name("backend"), {
      namespace: ns,
      selector: labels("backend"),
      image: img.ref,
      args: [...RAHCP_SEED.gunicorn(s.backend.workers)],
      replicas: s.backend.replicas,
      port: { name: "http", containerPort: RAHCP_SEED.port },
      probes: {
        liveness: { kind: "http", path: RAHCP_SEED.probes.liveness, port: "http" },
        readiness: { kind: "http", path: RAHCP_SEED.probes.readiness, port: "http" },
      },
      resources: {
        requests: { cpu: s.backend.cpu, memory: s.backend.memory },
        limits: { cpu: s.backend.cpuLimit, memory: s.backend.memoryLimit },
      },
      env: envVars({
        HCP_DOMAIN: s.hcpDomain,
        HCP_VERIFY_SSL: s.verifySsl ? "true" : "false",
        CORS_ORIGINS: s.corsOrigins ?? `https://${host}`,
        API_SECRET_KEY: secret.ref("API_SECRET_KEY"),
        REDIS_URL: secret.ref("REDIS_URL"),
      }),
      minAvailable: RAHCP_SEED.pdbMinAvailable,
      autoscaling: s.backend.autoscaling
        ? { minReplicas: s.backend.replicas, maxReplicas: s.backend.maxReplicas, targetCpuUtilization: s.backend.targetCpu }
        : undefined,
      uses: [redis.access],
      // Browsers through the ingress controller; server-side rendering from the frontend pods.
      allowFrom: [ingressControllerPeer(ctx), { podSelector: { matchLabels: frontendSelector } }],
      allowEgress: [toHcp],
      // With no HCP to reach (local's placeholder domain) /readiness never passes: the pods run and
      // stay out of the Service, and the deployment does not wait for a readiness that cannot come.
      annotations: placeholder ? {
        "pulumi.com/skipAwait": "true",
        "scai.dev/unready-reason": `HCP_DOMAIN ${s.hcpDomain} is a placeholder; /readiness checks HCP MAPI, so backend pods stay unready until rahcp.hcpDomain names a reachable HCP`,
      } : undefined,
    }, { parent: this, dependsOn: [secret, ...redis.ready] });
    this.apiAddress = pulumi.interpolate`http://${backend.serviceName}.${ns}.svc.cluster.local:${RAHCP_SEED.port}`;

    const frontend = new Workload(name("frontend"), {
      namespace: ns,
      selector: frontendSelector,
      image: s.frontendImage,
      replicas: s.frontend.replicas,
      port: { name: "http", containerPort: RAHCP_SEED.port },
      // RA-HCP names no frontend health endpoint: the server accepting connections is the check.
      probes: { liveness: { kind: "tcp", port: "http" }, readiness: { kind: "tcp", port: "http" } },
      resources: {
        requests: { cpu: s.frontend.cpu, memory: s.frontend.memory },
        limits: { cpu: s.frontend.cpuLimit, memory: s.frontend.memoryLimit },
      },
      env: envVars({ DENO_DIR: "/tmp/deno" }),
      minAvailable: RAHCP_SEED.pdbMinAvailable,
      allowFrom: [ingressControllerPeer(ctx)],
      allowEgress: [{ to: [{ podSelector: { matchLabels: labels("backend") } }], ports: [{ protocol: "TCP", port: RAHCP_SEED.port }] }],
    }, child);

    new WebIngress(name("web"), {
      namespace: ns,
      labels: labels("web"),
      host,
      className: ctx.ingress.className,
      clusterIssuer: ctx.ingress.clusterIssuer,
      routes: [
        { path: "/api", serviceName: backend.serviceName!, servicePort: "http" },
        { path: "/", serviceName: frontend.serviceName!, servicePort: "http" },
      ],
    }, { parent: this, dependsOn: [backend, frontend] });

    this.url = `https://${host}`;
    this.redisHost = redis.host;
    this.registerContract();
  }
}

/** RaHcp as the platform deploys it: config key `rahcp`, its schema, checks and deployer. */
export const rahcpSystem = defineSystem({
  name: RAHCP,
  schema: rahcpSchema,
  check: checkRaHcp,
  deploy: (name, args, opts) => new RaHcp(name, args, opts),
});
