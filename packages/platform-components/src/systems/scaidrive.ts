/**
 * ScaiDrive: one image, three roles. `migrate` runs once per release before `api`
 * (HTTP on 8000, behind TLS Ingress with two WebSocket paths) and one `worker` per ARQ queue
 * (scaled by KEDA on queue depth). MariaDB, Redis and an S3 bucket whose `uploads/` expire.
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketRequest, databaseUrl, redisUrl } from "../components/data/data-plane";
import { AppSecret } from "../components/k8s/app-secret";
import { internetEgress } from "../components/k8s/network";
import { OneShotJob } from "../components/k8s/one-shot-job";
import { Probes, envVars } from "../components/k8s/pod-spec";
import { QueueScaler } from "../components/k8s/queue-scaler";
import { WebIngress } from "../components/k8s/web-ingress";
import { Workload } from "../components/k8s/workload";
import type { CheckContext } from "./contract";
import {
  Values, cpu, hostname, httpUrl, httpsUrl, image, integer, isDnsLabel, isImmutableImageRef, list,
  memory, oneOf, text,
} from "../config/schema";
import { SystemArgs, SystemComponent, defaultHost, defineSystem, egressToUrl, ingressControllerPeer, sqlName } from "./context";
import { ResolvedLink, linksOf } from "./links";

export const SCAIDRIVE = "scaidrive";

/** Facts ScaiDrive's operators require, not configuration. */
export const SCAIDRIVE_SEED = {
  port: 8000,
  probes: { liveness: "/api/v1/health", readiness: "/api/v1/ready" },
  websocketPaths: ["/api/v1/realtime/ws", "/api/v1/sync/ws/"],
  websocketTimeoutSeconds: 3600,
  maxBodySize: "5g",
  /** Pending resumable-upload chunks: ScaiDrive's 48 hours. */
  uploads: { id: "expire-uploads", prefix: "uploads/", expireAfterDays: 2 },
  /** Chunk blobs: garbage-collected by ScaiDrive itself, never by the bucket. */
  retainedPrefixes: ["chunks/", "avatars/"],
  pdbMinAvailable: 1,
} as const;

const perProfile = <T>(local: T, prod: T) => ({ local, dev: prod, prod });

export const scaidriveSchema = {
  scaidrive: {
    image: image({
      description: "ScaiDrive image (api, worker and migrate roles). Prod requires a tag other than latest or a digest.",
      default: { local: "scailabs/scaidrive:latest", dev: "scailabs/scaidrive:latest", prod: undefined },
    }),
    hostname: hostname({ description: "Public hostname. Default: drive.<domain>.", optional: true }),
    schemaVersion: text({ description: "Bump to run the migration Job again for the same image.", default: "1" }),
    logLevel: oneOf(["DEBUG", "INFO", "WARNING", "ERROR"] as const, {
      description: "SCAIDRIVE_LOG_LEVEL.",
      default: perProfile<"DEBUG" | "INFO">("DEBUG", "INFO"),
    }),
    corsOrigins: text({
      description: "SCAIDRIVE_CORS_ORIGINS, comma-separated. Default: * on local/dev, unset on prod (ScaiDrive's advice).",
      default: { local: "*", dev: "*", prod: undefined },
      optional: true,
    }),
    weaviateUrl: httpUrl({ description: "SCAIDRIVE_WEAVIATE_URL; enables semantic search.", optional: true }),
    scaisendUrl: httpUrl({
      description: "SCAIDRIVE_SCAISEND_URL; enables email notifications. Default: ScaiSend's in-cluster API when ScaiSend is deployed in the same environment, else unset. Set it to use another ScaiSend.",
      optional: true,
    }),
    scaikeyClientId: text({ description: "SCAIDRIVE_SCAIKEY_CLIENT_ID.", default: "scaidrive" }),
    jwtIssuer: httpsUrl({ description: "SCAIDRIVE_JWT_ISSUER (iss of ScaiKey tokens). Default: scaikey.url.", optional: true }),
    database: {
      engine: oneOf(["mariadb", "mysql"] as const, { description: "Database engine.", default: "mariadb" }),
    },
    api: {
      replicas: integer({ description: "API pods at creation.", min: 1, default: perProfile(1, 3) }),
      minReplicas: integer({ description: "HPA minimum.", min: 1, default: perProfile(1, 3) }),
      maxReplicas: integer({ description: "HPA maximum.", min: 1, default: perProfile(3, 20) }),
      targetCpu: integer({ description: "HPA CPU utilisation target, percent.", min: 10, max: 100, default: 70 }),
      cpu: cpu({ description: "CPU request per API pod.", default: perProfile("250m", "2") }),
      cpuLimit: cpu({ description: "CPU limit per API pod.", default: perProfile("1", "4") }),
      memory: memory({ description: "Memory request and limit per API pod.", default: perProfile("512Mi", "4Gi") }),
    },
    workers: {
      queues: list({
        description: "ARQ queues; one worker Deployment each.",
        minItems: 1,
        itemCheck: isDnsLabel,
        itemExpectation: "DNS labels",
        default: ["high", "medium", "low"],
      }),
      minReplicas: integer({ description: "Workers per queue at least.", min: 1, default: perProfile(1, 2) }),
      maxReplicas: integer({ description: "Workers per queue at most.", min: 1, default: perProfile(2, 10) }),
      cpu: cpu({ description: "CPU request per worker pod.", default: perProfile("250m", "1") }),
      cpuLimit: cpu({ description: "CPU limit per worker pod.", default: perProfile("1", "2") }),
      memory: memory({ description: "Memory request and limit per worker pod.", default: perProfile("512Mi", "2Gi") }),
      scaler: oneOf(["redis", "prometheus"] as const, { description: "What KEDA reads queue depth from.", default: "redis" }),
      jobsPerReplica: integer({ description: "Queued jobs per worker before KEDA adds one.", min: 1, default: 20 }),
      queueKeyPrefix: text({ description: "Redis key of a queue is this prefix + the queue name.", default: "arq:queue:" }),
      prometheusUrl: httpUrl({ description: "Prometheus server, when scaler is prometheus.", optional: true }),
      prometheusQuery: text({ description: "Queue-depth query; {queue} is replaced by the queue name.", optional: true }),
    },
  },
};

export type ScaiDriveSettings = Values<typeof scaidriveSchema>["scaidrive"];

/** Checks across keys, after each key is valid on its own. */
export function checkScaiDrive(s: ScaiDriveSettings, ctx: CheckContext): string[] {
  const k = (key: string) => `${ctx.project}:scaidrive.${key}`;
  const problems: string[] = [];
  // ScaiDrive marks SCAIDRIVE_S3_ACCESS_KEY and SCAIDRIVE_S3_SECRET_KEY required: IRSA alone would not start it.
  if (ctx.dataServices === "aws" && ctx.staticBucketKeys !== true) {
    problems.push(`${ctx.project}:aws.staticBucketKeys must be true while ScaiDrive is deployed on AWS: it requires SCAIDRIVE_S3_ACCESS_KEY and SCAIDRIVE_S3_SECRET_KEY (got false)`);
  }
  if (ctx.profile === "prod" && !isImmutableImageRef(s.image)) {
    problems.push(`${k("image")} must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "${s.image}")`);
  }
  if (s.api.minReplicas > s.api.maxReplicas) {
    problems.push(`${k("api.maxReplicas")} must be >= api.minReplicas (${s.api.minReplicas}) (got ${s.api.maxReplicas})`);
  }
  if (s.workers.minReplicas > s.workers.maxReplicas) {
    problems.push(`${k("workers.maxReplicas")} must be >= workers.minReplicas (${s.workers.minReplicas}) (got ${s.workers.maxReplicas})`);
  }
  if (s.workers.scaler === "prometheus" && (!s.workers.prometheusUrl || !s.workers.prometheusQuery)) {
    problems.push(`${k("workers.prometheusUrl")} and ${k("workers.prometheusQuery")} must both be set when workers.scaler is "prometheus" (got ${JSON.stringify(s.workers.prometheusUrl ?? null)}, ${JSON.stringify(s.workers.prometheusQuery ?? null)})`);
  }
  if (ctx.profile === "prod" && s.corsOrigins?.split(",").some(o => o.trim() === "*")) {
    problems.push(`${k("corsOrigins")} must list explicit origins on prod, not * (got "${s.corsOrigins}")`);
  }
  return problems;
}

/** What a ScaiDrive instance is deployed with: `context` (its environment) and `settings` (validated `scaidrive` config). */
export type ScaiDriveArgs = SystemArgs<ScaiDriveSettings>;

/**
 * One ScaiDrive: the environment's own is named `scaidrive`; another (a second tenant, `drive-b`)
 * gets its own database, Redis, bucket, hostname (`<name>.<domain>`), secrets and objects, every
 * name derived from its own.
 */
export class ScaiDrive extends SystemComponent<ScaiDriveSettings> {
  public readonly url: string;
  public readonly apiAddress: pulumi.Output<string>;
  public readonly secretName: pulumi.Output<string>;
  public readonly bucket: pulumi.Output<string>;
  public readonly bucketArn?: pulumi.Output<string>;
  public readonly databaseHost: pulumi.Output<string>;
  public readonly redisHost: pulumi.Output<string>;
  /** The other systems of the environment it is wired to, and the address it uses for each. */
  public readonly links: Record<string, pulumi.Output<string>>;

  constructor(instance: string, args: ScaiDriveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:system:ScaiDrive", instance, args, opts);
    const { context: ctx, settings: s } = args;
    // ScaiSend beside it (unless scaisendUrl points elsewhere): its address, label and egress.
    const links: ResolvedLink[] = linksOf(SCAIDRIVE, ctx.neighbours ?? [], ctx.naming, ctx.namespace,
      key => (s as unknown as Record<string, unknown>)[key] !== undefined);
    this.links = Object.fromEntries(links.map(l => [l.to, l.url]));
    const linkEnv = Object.fromEntries(links.map(l => [l.env, l.url]));
    const img = ctx.images.resolve(SCAIDRIVE, s.image, this, instance);
    const { naming } = ctx;
    const ns = ctx.namespace;
    const child = { parent: this };
    const host = s.hostname ?? defaultHost(ctx, SCAIDRIVE, instance, "drive");
    const name = (...parts: string[]) => naming.k8s(instance, ...parts);
    const labels = (role: string) => naming.labels(SCAIDRIVE, role, instance);
    const roles = { api: name("api"), migrate: name("migrate"), workers: s.workers.queues.map(q => name("worker", q)) };

    const db = ctx.data.database(instance, {
      engine: s.database.engine,
      database: sqlName(instance),
      username: sqlName(instance),
    }, this);
    const redis = ctx.data.redis(instance, { maxmemoryPolicy: "noeviction" }, this);
    const bucketRequest: BucketRequest = {
      purpose: "files",
      expire: [SCAIDRIVE_SEED.uploads],
      retain: [...SCAIDRIVE_SEED.retainedPrefixes],
      abortIncompleteUploadsAfterDays: 1,
      serviceAccounts: [roles.api, ...roles.workers],
    };
    const bucket = ctx.data.bucket(instance, bucketRequest, this);

    const secret = new AppSecret(name("env"), {
      namespace: ns,
      labels: labels("env"),
      rotation: ctx.secretsRotation,
      mirror: ctx.secretStore,
      generated: {
        // ScaiDrive requires SECRET_KEY 32+ bytes, ENCRYPTION_KEY exactly 32 bytes (one byte per character).
        SCAIDRIVE_SECRET_KEY: { length: 64 },
        SCAIDRIVE_ENCRYPTION_KEY: { length: 32 },
      },
      values: {
        SCAIDRIVE_DATABASE_URL: databaseUrl("mysql+asyncmy", db),
        SCAIDRIVE_REDIS_URL: redisUrl(redis),
        SCAIDRIVE_S3_ACCESS_KEY: bucket.credentials?.accessKeyId,
        SCAIDRIVE_S3_SECRET_KEY: bucket.credentials?.secretAccessKey,
        // Not an app variable: KEDA's TriggerAuthentication reads it to measure queue depth.
        "redis-password": redis.password,
      },
    }, child);
    this.secretName = secret.secretName;

    const env_ = envVars({
      SCAIDRIVE_DATABASE_URL: secret.ref("SCAIDRIVE_DATABASE_URL"),
      SCAIDRIVE_REDIS_URL: secret.ref("SCAIDRIVE_REDIS_URL"),
      SCAIDRIVE_S3_ENDPOINT: bucket.endpoint,
      SCAIDRIVE_S3_BUCKET: bucket.bucket,
      SCAIDRIVE_S3_ACCESS_KEY: secret.has("SCAIDRIVE_S3_ACCESS_KEY") ? secret.ref("SCAIDRIVE_S3_ACCESS_KEY") : undefined,
      SCAIDRIVE_S3_SECRET_KEY: secret.has("SCAIDRIVE_S3_SECRET_KEY") ? secret.ref("SCAIDRIVE_S3_SECRET_KEY") : undefined,
      // Read by the AWS SDK inside the app to sign S3 requests.
      AWS_REGION: bucket.region,
      SCAIDRIVE_SCAIKEY_URL: ctx.identityProviderUrl,
      SCAIDRIVE_SCAIKEY_CLIENT_ID: s.scaikeyClientId,
      SCAIDRIVE_JWT_ISSUER: s.jwtIssuer ?? ctx.identityProviderUrl,
      SCAIDRIVE_WEAVIATE_URL: s.weaviateUrl,
      SCAIDRIVE_SCAISEND_URL: s.scaisendUrl ?? linkEnv.SCAIDRIVE_SCAISEND_URL,
      SCAIDRIVE_SECRET_KEY: secret.ref("SCAIDRIVE_SECRET_KEY"),
      SCAIDRIVE_ENCRYPTION_KEY: secret.ref("SCAIDRIVE_ENCRYPTION_KEY"),
      SCAIDRIVE_CORS_ORIGINS: s.corsOrigins,
      SCAIDRIVE_LOG_LEVEL: s.logLevel,
    });
    // ScaiKey over HTTPS, plus Weaviate/ScaiSend wherever they were configured to be.
    const outbound = [
      internetEgress([443]),
      ...[s.weaviateUrl, s.scaisendUrl].filter((u): u is string => u !== undefined).map(egressToUrl),
    ];

    const migration = new OneShotJob(roles.migrate, {
      namespace: ns,
      selector: labels("migrate"),
      image: img.ref,
      args: ["migrate"],
      env: env_,
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      revision: `${img.revision}\nschema ${s.schemaVersion}`,
      uses: [db.access],
      allowEgress: outbound,
    }, { parent: this, dependsOn: [secret, ...db.ready] });

    // Pods start after the migration succeeded and their own data services are ready.
    const after = { parent: this, dependsOn: [migration, secret, ...redis.ready, ...bucket.ready] };
    const uses = [db.access, redis.access, bucket.access, ...links.map(l => l.access)];
    const irsa = bucket.serviceAccountAnnotations;
    const probes: Probes = {
      liveness: { kind: "http", path: SCAIDRIVE_SEED.probes.liveness, port: "http" },
      readiness: { kind: "http", path: SCAIDRIVE_SEED.probes.readiness, port: "http" },
      initialDelaySeconds: 15,
    };

    const api = new Workload(roles.api, {
      namespace: ns,
      selector: labels("api"),
      image: img.ref,
      args: ["api"],
      replicas: s.api.replicas,
      port: { name: "http", containerPort: SCAIDRIVE_SEED.port },
      probes,
      resources: {
        requests: { cpu: s.api.cpu, memory: s.api.memory },
        limits: { cpu: s.api.cpuLimit, memory: s.api.memory },
      },
      env: env_,
      minAvailable: SCAIDRIVE_SEED.pdbMinAvailable,
      autoscaling: { minReplicas: s.api.minReplicas, maxReplicas: s.api.maxReplicas, targetCpuUtilization: s.api.targetCpu },
      uses,
      allowFrom: [ingressControllerPeer(ctx)],
      allowEgress: outbound,
      serviceAccountAnnotations: irsa,
    }, after);
    this.apiAddress = pulumi.interpolate`http://${api.serviceName}.${ns}.svc.cluster.local:${SCAIDRIVE_SEED.port}`;

    s.workers.queues.forEach((queue, i) => {
      const worker = new Workload(roles.workers[i], {
        namespace: ns,
        selector: labels(`worker-${queue}`),
        image: img.ref,
        args: ["worker"],
        replicas: s.workers.minReplicas,
        // Assumed name: ScaiDrive does not say how a worker is pinned to a queue.
        env: [...env_, { name: "SCAIDRIVE_WORKER_QUEUES", value: queue }],
        probes: { none: "ARQ worker has no listener; Kubernetes restarts it when it exits" },
        resources: {
          requests: { cpu: s.workers.cpu, memory: s.workers.memory },
          limits: { cpu: s.workers.cpuLimit, memory: s.workers.memory },
        },
        minAvailable: SCAIDRIVE_SEED.pdbMinAvailable,
        externallyScaled: true,
        uses,
        allowEgress: outbound,
        serviceAccountAnnotations: irsa,
        terminationGracePeriodSeconds: 120,
      }, after);

      new QueueScaler(roles.workers[i], {
        namespace: ns,
        labels: labels(`worker-${queue}`),
        deploymentName: worker.deploymentName,
        jobsPerReplica: s.workers.jobsPerReplica,
        minReplicas: s.workers.minReplicas,
        maxReplicas: s.workers.maxReplicas,
        trigger: s.workers.scaler === "prometheus"
          ? {
              kind: "prometheus",
              serverAddress: s.workers.prometheusUrl!,
              query: s.workers.prometheusQuery!.split("{queue}").join(queue),
            }
          : {
              kind: "redis",
              address: pulumi.interpolate`${redis.host}:${redis.port}`,
              key: `${s.workers.queueKeyPrefix}${queue}`,
              passwordSecret: { name: secret.secretName, key: "redis-password" },
              tls: redis.tls,
            },
      }, { parent: this, dependsOn: [worker] });
    });

    new WebIngress(name("web"), {
      namespace: ns,
      labels: labels("web"),
      host,
      className: ctx.ingress.className,
      clusterIssuer: ctx.ingress.clusterIssuer,
      maxBodySize: SCAIDRIVE_SEED.maxBodySize,
      websocketTimeoutSeconds: SCAIDRIVE_SEED.websocketTimeoutSeconds,
      routes: [
        { path: "/", serviceName: api.serviceName!, servicePort: "http" },
        ...SCAIDRIVE_SEED.websocketPaths.map(path => ({ path, serviceName: api.serviceName!, servicePort: "http", websocket: true })),
      ],
    }, { parent: this, dependsOn: [api] });

    this.url = `https://${host}`;
    this.bucket = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.databaseHost = db.host;
    this.redisHost = redis.host;
    this.registerContract();
  }
}

/** ScaiDrive as the platform deploys it: config key `scaidrive`, its schema, checks and deployer. */
export const scaidriveSystem = defineSystem({
  name: SCAIDRIVE,
  schema: scaidriveSchema,
  check: checkScaiDrive,
  deploy: (name, args, opts) => new ScaiDrive(name, args, opts),
});
