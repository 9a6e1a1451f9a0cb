/**
 * Novitai: one hardened API container in front of the Novita.ai GPU API: UID 1001,
 * read-only root filesystem with /tmp and /var/tmp in memory, 256Mi/250m requested and
 * 512Mi/500m at most, `/health` probes, `/metrics` scraped by Prometheus, and outbound HTTPS to
 * Novita only. Internal by default; an Ingress only when a hostname is configured.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../components/k8s/app-secret";
import { clientLabel, internetEgress, namespacePeer } from "../components/k8s/network";
import { envVars } from "../components/k8s/pod-spec";
import { WebIngress } from "../components/k8s/web-ingress";
import { Workload } from "../components/k8s/workload";
import {
  Profile, Values, hostname, image, integer, isDnsLabel, isImmutableImageRef, oneOf, secret, text,
} from "../config/schema";
import { SystemArgs, SystemComponent, defineSystem, ingressControllerPeer } from "./context";

export const NOVITAI = "novitai";

/** Facts Novitai's operators require, not configuration. */
export const NOVITAI_SEED = {
  uid: 1001,
  health: "/health",
  metrics: "/metrics",
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  /** tmpfs in Novitai's compose file (noexec, nosuid): memory-backed here. */
  scratch: [{ path: "/tmp", medium: "Memory", sizeLimit: "64Mi" }, { path: "/var/tmp", medium: "Memory", sizeLimit: "64Mi" }],
  /** The compose file's stop grace period. */
  terminationGracePeriodSeconds: 30,
  /** The production health check: every 15 s, 5 s timeout, 5 retries, 60 s to start. */
  probeTiming: { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 5, startPeriodSeconds: 60 },
  /**
   * The one writable volume besides the temporary ones: its log files (50 MB x 5 rotated files in
   * production). Per pod and lost with it; stdout is what the cluster's log pipeline keeps.
   */
  logs: { sizeLimit: "256Mi" },
} as const;

const perProfile = <T>(local: T, dev: T, prod: T) => ({ local, dev, prod });

export const novitaiSchema = {
  novitai: {
    image: image({
      description: "Novitai image. Prod requires a tag other than latest or a digest.",
      default: { local: "scailabs/novitai:latest", dev: "scailabs/novitai:latest", prod: undefined },
    }),
    apiKey: secret({
      description: "NOVITA_API_KEY (set with `--secret`). Required; on local only, a random stand-in when unset.",
      optional: perProfile(true, false, false),
    }),
    port: integer({ description: "Port the API listens on (PORT); Novitai does not name one.", min: 1024, max: 65535, default: 3000 }),
    hostname: hostname({ description: "Public hostname; when set the API gets a TLS Ingress. Default: internal only.", optional: true }),
    replicas: integer({
      description: "API pods. Only 1: Novitai keeps job tracking, caches and instance polling in its process, and several replicas need shared state it has no store for.",
      min: 1,
      default: 1,
    }),
    logsPath: text({
      description: "Directory Novitai writes its log files to: the only writable path on its read-only root besides /tmp and /var/tmp.",
      expectation: "an absolute path such as /app/logs",
      check: v => /^\/[^\s]*$/.test(v) && !["/tmp", "/var/tmp", "/"].includes(v),
      default: "/app/logs",
    }),
    logLevel: oneOf(["debug", "info", "warn", "error"] as const, { description: "LOG_LEVEL.", default: perProfile<"debug" | "info">("debug", "info", "info") }),
    monitoringNamespace: text({
      description: "Namespace of the Prometheus that scrapes /metrics; admitted on the API port.",
      default: "monitoring",
      check: isDnsLabel,
      expectation: "a DNS label",
    }),
    instancePollInterval: integer({ description: "INSTANCE_POLL_INTERVAL, seconds between instance status checks.", min: 1, default: 30 }),
    maxConcurrentJobs: integer({ description: "MAX_CONCURRENT_JOBS.", min: 1, default: 10 }),
    cacheTimeout: integer({ description: "CACHE_TIMEOUT, seconds API responses are cached.", min: 0, default: 300 }),
    requestTimeout: integer({ description: "REQUEST_TIMEOUT, milliseconds for requests to the Novita API.", min: 1000, default: 30000 }),
  },
};

export type NovitaiSettings = Values<typeof novitaiSchema>["novitai"];

export function checkNovitai(s: NovitaiSettings, ctx: { profile: Profile; project: string }): string[] {
  const problems: string[] = [];
  if (s.replicas > 1) {
    problems.push(`${ctx.project}:novitai.replicas must be 1: Novitai keeps job tracking, caches and instance polling in its process, so a second replica would track jobs and poll on its own; scaling out needs shared state it has no store for (got ${s.replicas})`);
  }
  if (ctx.profile === "prod" && !isImmutableImageRef(s.image)) {
    problems.push(`${ctx.project}:novitai.image must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "${s.image}")`);
  }
  return problems;
}

/** What a Novitai instance is deployed with: `context` (its environment) and `settings` (its validated config). */
export type NovitaiArgs = SystemArgs<NovitaiSettings>;

/** One Novitai: the environment's own is named after its kind; any other instance derives every name, host and data service from its own name. */
export class Novitai extends SystemComponent<NovitaiSettings> {
  public readonly url?: string;
  public readonly apiAddress: pulumi.Output<string>;
  public readonly secretName: pulumi.Output<string>;
  /** The label a pod of this environment wears to be admitted to the API. */
  public readonly clientLabels: Record<string, string>;

  constructor(instance: string, args: NovitaiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:system:Novitai", instance, args, opts);
    const { context: ctx, settings: s } = args;
    const img = ctx.images.resolve(NOVITAI, s.image, this, instance);
    const { naming } = ctx;
    const ns = ctx.namespace;
    const child = { parent: this };
    const name = (...parts: string[]) => naming.k8s(instance, ...parts);
    const labels = (role: string) => naming.labels(NOVITAI, role, instance);
    const apiName = name("api");
    this.clientLabels = clientLabel(apiName);

    const secret = new AppSecret(name("env"), {
      namespace: ns,
      labels: labels("env"),
      rotation: ctx.secretsRotation,
      mirror: ctx.secretStore,
      // Local renders manifests for a cluster with no Novita account: a stand-in keeps the pod spec whole.
      generated: (s.apiKey === undefined ? { NOVITA_API_KEY: { length: 40 } } : {}) as Record<"NOVITA_API_KEY", { length: number }>,
      values: { NOVITA_API_KEY: s.apiKey },
    }, child);
    this.secretName = secret.secretName;

    const api = new Workload(apiName, {
      namespace: ns,
      selector: labels("api"),
      image: img.ref,
      replicas: s.replicas,
      uid: NOVITAI_SEED.uid,
      scratch: [...NOVITAI_SEED.scratch.map(d => ({ ...d })), { path: s.logsPath, sizeLimit: NOVITAI_SEED.logs.sizeLimit }],
      port: { name: "http", containerPort: s.port },
      probes: {
        liveness: { kind: "http", path: NOVITAI_SEED.health, port: "http" },
        readiness: { kind: "http", path: NOVITAI_SEED.health, port: "http" },
        startup: { kind: "http", path: NOVITAI_SEED.health, port: "http" },
        timing: NOVITAI_SEED.probeTiming,
      },
      resources: NOVITAI_SEED.resources,
      env: envVars({
        NODE_ENV: "production",
        PORT: String(s.port),
        LOG_LEVEL: s.logLevel,
        NOVITA_API_KEY: secret.ref("NOVITA_API_KEY"),
        INSTANCE_POLL_INTERVAL: String(s.instancePollInterval),
        MAX_CONCURRENT_JOBS: String(s.maxConcurrentJobs),
        CACHE_TIMEOUT: String(s.cacheTimeout),
        REQUEST_TIMEOUT: String(s.requestTimeout),
      }),
      podAnnotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/path": NOVITAI_SEED.metrics,
        "prometheus.io/port": String(s.port),
      },
      // One replica: a budget of "at most one away" lets a node drain evict it (it is rescheduled
      // elsewhere) where minAvailable 1 would block every drain.
      maxUnavailable: 1,
      allowFrom: [
        namespacePeer(s.monitoringNamespace),
        { podSelector: { matchLabels: this.clientLabels } },
        ...(s.hostname ? [ingressControllerPeer(ctx)] : []),
      ],
      // The Novita.ai API over HTTPS, nothing else.
      allowEgress: [internetEgress([443])],
      terminationGracePeriodSeconds: NOVITAI_SEED.terminationGracePeriodSeconds,
    }, { parent: this, dependsOn: [secret] });
    this.apiAddress = pulumi.interpolate`http://${api.serviceName}.${ns}.svc.cluster.local:${s.port}`;

    if (s.hostname) {
      new WebIngress(name("web"), {
        namespace: ns,
        labels: labels("web"),
        host: s.hostname,
        className: ctx.ingress.className,
        clusterIssuer: ctx.ingress.clusterIssuer,
        routes: [{ path: "/", serviceName: api.serviceName!, servicePort: "http" }],
      }, { parent: this, dependsOn: [api] });
      this.url = `https://${s.hostname}`;
    }

    this.registerContract({ clientLabels: this.clientLabels });
  }
}

/** Novitai as the platform deploys it: config key `novitai`, its schema, checks and deployer. */
export const novitaiSystem = defineSystem({
  name: NOVITAI,
  schema: novitaiSchema,
  check: checkNovitai,
  deploy: (name, args, opts) => new Novitai(name, args, opts),
});
