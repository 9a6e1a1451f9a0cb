/**
 * HridaAI in its scaled configuration: stateless `web` replicas on PostgreSQL with
 * pgvector, Redis for websockets and shared state, S3 for uploads, Apache Tika for content
 * extraction (in the cluster, reachable only from HridaAI), and one migration Job as the only
 * process with ENABLE_DB_MIGRATIONS=true.
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketRequest, databaseUrl, redisUrl } from "../components/data/data-plane";
import { AppSecret } from "../components/k8s/app-secret";
import { internetEgress } from "../components/k8s/network";
import { OneShotJob } from "../components/k8s/one-shot-job";
import { envVars } from "../components/k8s/pod-spec";
import { WebIngress } from "../components/k8s/web-ingress";
import { Workload } from "../components/k8s/workload";
import {
  Profile, Values, cpu, hostname, httpUrl, image, integer, isImmutableImageRef, list, memory, oneOf, secret, text,
} from "../config/schema";
import { SystemArgs, SystemComponent, defaultHost, defineSystem, egressToUrl, ingressControllerPeer, sqlName } from "./context";

export const HRIDAAI = "hridaai";

/** Facts HridaAI's operators require (and of the image they document), not configuration. */
export const HRIDAAI_SEED = {
  /** The image's HTTP port. */
  port: 8080,
  /** The image's documented health endpoint: 200 while the process serves. */
  health: "/health",
  websocketPath: "/ws/socket.io",
  websocketTimeoutSeconds: 3600,
  tika: { image: "apache/tika:2.9.2.1-full", port: 9998, uid: 35002, probe: "/tika" },
  /** Fixed by HridaAI's scaled configuration: the orchestrator scales, not the app. */
  fixedEnv: {
    VECTOR_DB: "pgvector",
    WEBSOCKET_MANAGER: "redis",
    ENABLE_WEBSOCKET_SUPPORT: "true",
    STORAGE_PROVIDER: "s3",
    CONTENT_EXTRACTION_ENGINE: "tika",
    UVICORN_WORKERS: "1",
    // A concurrency ceiling, not a thread count: "never lower it", say its operators.
    THREAD_POOL_SIZE: "2000",
    DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL: "300",
    ENABLE_PROFILE_IMAGE_URL_FORWARDING: "false",
    AIOHTTP_CLIENT_ALLOW_REDIRECTS: "false",
    ENABLE_OAUTH_ID_TOKEN_COOKIE: "false",
  },
  pdbMinAvailable: 1,
  /** Redis `timeout` the app needs against connection exhaustion. */
  redisIdleTimeoutSeconds: 1800,
  /**
   * RAG_EMBEDDING_ENGINE's value per configured engine: the image reads an empty value as its
   * built-in SentenceTransformers engine.
   */
  embeddingEngine: { local: "", openai: "openai", ollama: "ollama" },
  /** RAG_EMBEDDING_MODEL when none is configured: the image's own default for local, a common model otherwise. */
  embeddingModel: { local: "sentence-transformers/all-MiniLM-L6-v2", openai: "text-embedding-3-small", ollama: "nomic-embed-text" },
} as const;

const perProfile = <T>(local: T, dev: T, prod: T) => ({ local, dev, prod });
/** HridaAI's duration syntax: a number with ms, s, m, h, d or w (e.g. 8h, 4w), or -1 for none. */
const isJwtDuration = (v: string) => /^(\d+(ms|s|m|h|d|w)|-1)$/.test(v);

export const hridaaiSchema = {
  hridaai: {
    image: image({
      description: "HridaAI image. Prod requires a tag other than latest or a digest.",
      default: { local: "scailabs/hridaai:latest", dev: "scailabs/hridaai:latest", prod: undefined },
    }),
    hostname: hostname({ description: "Public hostname. Default: ai.<domain>.", optional: true }),
    schemaVersion: text({ description: "Bump to run the migration Job again for the same image.", default: "1" }),
    migrateCommand: list<string>({
      description: "Command of the migration Job. Default: import the config module, which runs the Alembic migrations when ENABLE_DB_MIGRATIONS is true, then exit.",
      minItems: 1,
      default: ["python", "-c", "import open_webui.config"],
    }),
    jwtExpiresIn: text({
      description: "JWT_EXPIRES_IN: shorter than the image's four weeks (HridaAI's hardening).",
      expectation: "a duration such as 8h, 1d or 4w",
      check: isJwtDuration,
      default: perProfile("1d", "8h", "8h"),
    }),
    web: {
      replicas: integer({ description: "Web pods at creation.", min: 1, default: perProfile(1, 2, 3) }),
      maxReplicas: integer({ description: "HPA maximum.", min: 1, default: perProfile(2, 4, 10) }),
      targetCpu: integer({ description: "HPA CPU utilisation target, percent.", min: 10, max: 100, default: 70 }),
      cpu: cpu({ description: "CPU request per web pod.", default: perProfile("250m", "500m", "1") }),
      cpuLimit: cpu({ description: "CPU limit per web pod.", default: perProfile("1", "2", "4") }),
      memory: memory({ description: "Memory request and limit per web pod.", default: perProfile("1Gi", "2Gi", "4Gi") }),
    },
    database: {
      poolSize: integer({ description: "DATABASE_POOL_SIZE per pod (HridaAI's starting point: 15).", min: 1, default: 15 }),
      maxOverflow: integer({ description: "DATABASE_POOL_MAX_OVERFLOW per pod (HridaAI's starting point: 20).", min: 0, default: 20 }),
    },
    embedding: {
      engine: oneOf(["local", "openai", "ollama"] as const, {
        description: "RAG_EMBEDDING_ENGINE. local: the image's built-in SentenceTransformers engine (RAG_EMBEDDING_ENGINE=\"\", about 500 MB per pod, no outside service). openai: an OpenAI-compatible endpoint, which needs embedding.baseUrl and embedding.apiKey together. ollama: an Ollama server at embedding.baseUrl.",
        default: "local",
      }),
      baseUrl: httpUrl({ description: "RAG_OPENAI_API_BASE_URL (openai, e.g. https://api.openai.com/v1) or RAG_OLLAMA_BASE_URL (ollama). Required by those engines; not used by local.", optional: true }),
      apiKey: secret({ description: "RAG_OPENAI_API_KEY: required by the openai engine, refused by the others.", optional: true }),
      model: text({ description: "RAG_EMBEDDING_MODEL. Default: sentence-transformers/all-MiniLM-L6-v2 (local), text-embedding-3-small (openai), nomic-embed-text (ollama).", optional: true }),
    },
    otelEndpoint: httpUrl({ description: "OTEL_EXPORTER_OTLP_ENDPOINT; sets ENABLE_OTEL=true. Default: no telemetry export.", optional: true }),
    tika: {
      replicas: integer({ description: "Apache Tika pods.", min: 1, default: perProfile(1, 1, 2) }),
      memory: memory({ description: "Memory request and limit per Tika pod.", default: perProfile("1Gi", "2Gi", "2Gi") }),
    },
  },
};

export type HridaAiSettings = Values<typeof hridaaiSchema>["hridaai"];

export function checkHridaAi(s: HridaAiSettings, ctx: { profile: Profile; project: string }): string[] {
  const k = (key: string) => `${ctx.project}:hridaai.${key}`;
  const problems: string[] = [];
  if (ctx.profile === "prod" && !isImmutableImageRef(s.image)) {
    problems.push(`${k("image")} must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "${s.image}")`);
  }
  if (s.web.replicas > s.web.maxReplicas) {
    problems.push(`${k("web.maxReplicas")} must be >= web.replicas (${s.web.replicas}) (got ${s.web.maxReplicas})`);
  }
  problems.push(...checkEmbedding(s.embedding, k));
  if (s.jwtExpiresIn === "-1") {
    problems.push(`${k("jwtExpiresIn")} must be a finite duration: tokens that never expire cannot be revoked by expiry (got "-1")`);
  }
  return problems;
}

/**
 * Refuses an embedding set-up that cannot embed: document upload and RAG would fail from the
 * first request. openai needs its endpoint and key together (the image's fallback is
 * api.openai.com, which a key for another provider cannot use); ollama needs its server (the
 * image's fallback is localhost, where nothing listens in a pod); local needs neither and would
 * silently ignore them, so they are refused there rather than mistaken for being used.
 */
export function checkEmbedding(e: HridaAiSettings["embedding"], k: (key: string) => string): string[] {
  const problems: string[] = [];
  const hasKey = e.apiKey !== undefined;
  if (e.engine === "openai") {
    if (e.baseUrl === undefined) problems.push(`${k("embedding.baseUrl")} must be set when embedding.engine is "openai": the OpenAI-compatible endpoint, such as https://api.openai.com/v1 (got nothing)`);
    if (!hasKey) problems.push(`${k("embedding.apiKey")} must be set with \`pulumi config set --path --secret hridaai.embedding.apiKey <value>\` when embedding.engine is "openai" (got nothing)`);
  }
  if (e.engine === "ollama") {
    if (e.baseUrl === undefined) problems.push(`${k("embedding.baseUrl")} must be set when embedding.engine is "ollama": the Ollama server, such as http://ollama.ai.svc:11434 (got nothing)`);
    if (hasKey) problems.push(`${k("embedding.apiKey")} must be unset when embedding.engine is "ollama": Ollama takes no key (got a secret)`);
  }
  if (e.engine === "local") {
    if (e.baseUrl !== undefined) problems.push(`${k("embedding.baseUrl")} must be unset when embedding.engine is "local": the built-in engine calls no endpoint (got "${e.baseUrl}")`);
    if (hasKey) problems.push(`${k("embedding.apiKey")} must be unset when embedding.engine is "local": the built-in engine takes no key (got a secret)`);
  }
  return problems;
}

/** What a HridaAi instance is deployed with: `context` (its environment) and `settings` (its validated config). */
export type HridaAiArgs = SystemArgs<HridaAiSettings>;

/** One HridaAi: the environment's own is named after its kind; any other instance derives every name, host and data service from its own name. */
export class HridaAi extends SystemComponent<HridaAiSettings> {
  public readonly url: string;
  public readonly apiAddress: pulumi.Output<string>;
  public readonly secretName: pulumi.Output<string>;
  public readonly bucket: pulumi.Output<string>;
  public readonly bucketArn?: pulumi.Output<string>;
  public readonly databaseHost: pulumi.Output<string>;
  public readonly redisHost: pulumi.Output<string>;

  constructor(instance: string, args: HridaAiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:system:HridaAi", instance, args, opts);
    const { context: ctx, settings: s } = args;
    const img = ctx.images.resolve(HRIDAAI, s.image, this, instance);
    const { naming } = ctx;
    const ns = ctx.namespace;
    const child = { parent: this };
    const host = s.hostname ?? defaultHost(ctx, HRIDAAI, instance, "ai");
    const name = (...parts: string[]) => naming.k8s(instance, ...parts);
    const labels = (role: string) => naming.labels(HRIDAAI, role, instance);
    const roles = { web: name("web"), migrate: name("migrate"), tika: name("tika") };

    const db = ctx.data.database(instance, { engine: "postgres", database: sqlName(instance), username: sqlName(instance), extensions: ["vector"] }, this);
    // HridaAI's operators ask for Redis `timeout 1800`: idle connections closed before they pile up.
    const redis = ctx.data.redis(instance, { maxmemoryPolicy: "noeviction", idleTimeoutSeconds: HRIDAAI_SEED.redisIdleTimeoutSeconds }, this);
    const bucketRequest: BucketRequest = { purpose: "uploads", abortIncompleteUploadsAfterDays: 1, serviceAccounts: [roles.web] };
    const bucket = ctx.data.bucket(instance, bucketRequest, this);

    const secret = new AppSecret(name("env"), {
      namespace: ns,
      labels: labels("env"),
      rotation: ctx.secretsRotation,
      mirror: ctx.secretStore,
      // One key shared by every replica, so sessions survive rolling restarts and any pod decrypts
      // OAuth tokens another wrote (HridaAI: set both variables to the same value).
      generated: { HRIDAAI_SECRET_KEY: { length: 64 } },
      values: {
        DATABASE_URL: databaseUrl("postgresql", db),
        REDIS_URL: redisUrl(redis),
        S3_ACCESS_KEY_ID: bucket.credentials?.accessKeyId,
        S3_SECRET_ACCESS_KEY: bucket.credentials?.secretAccessKey,
        RAG_OPENAI_API_KEY: s.embedding.apiKey,
      },
    }, child);
    this.secretName = secret.secretName;

    const tikaSelector = labels("tika");
    const webSelector = labels("web");
    const migrateSelector = labels("migrate");
    const tika = new Workload(roles.tika, {
      namespace: ns,
      selector: tikaSelector,
      image: HRIDAAI_SEED.tika.image,
      replicas: s.tika.replicas,
      uid: HRIDAAI_SEED.tika.uid,
      port: { name: "http", containerPort: HRIDAAI_SEED.tika.port },
      probes: {
        liveness: { kind: "http", path: HRIDAAI_SEED.tika.probe, port: "http" },
        readiness: { kind: "http", path: HRIDAAI_SEED.tika.probe, port: "http" },
        initialDelaySeconds: 20,
      },
      resources: { requests: { cpu: "250m", memory: s.tika.memory }, limits: { cpu: "2", memory: s.tika.memory } },
      // Tika's forked parser JVMs write temporary files.
      scratch: [{ path: "/tmp", sizeLimit: "1Gi" }],
      minAvailable: 1,
      // Extraction is the leak-prone part: only HridaAI's pods reach it, and it reaches nothing.
      allowFrom: [{ podSelector: { matchLabels: webSelector } }, { podSelector: { matchLabels: migrateSelector } }],
    }, child);
    const tikaUrl = pulumi.interpolate`http://${tika.serviceName}.${ns}.svc.cluster.local:${HRIDAAI_SEED.tika.port}`;
    const toTika = { to: [{ podSelector: { matchLabels: tikaSelector } }], ports: [{ protocol: "TCP", port: HRIDAAI_SEED.tika.port }] };

    const embeddingBase = s.embedding.baseUrl;
    const env_ = (migrations: boolean) => envVars({
      ...HRIDAAI_SEED.fixedEnv,
      // Exactly one process migrates: the Job; every replica leaves the schema alone.
      ENABLE_DB_MIGRATIONS: migrations ? "true" : "false",
      DATABASE_URL: secret.ref("DATABASE_URL"),
      PGVECTOR_DB_URL: secret.ref("DATABASE_URL"),
      DATABASE_POOL_SIZE: String(s.database.poolSize),
      DATABASE_POOL_MAX_OVERFLOW: String(s.database.maxOverflow),
      REDIS_URL: secret.ref("REDIS_URL"),
      HRIDAAI_SECRET_KEY: secret.ref("HRIDAAI_SECRET_KEY"),
      OAUTH_SESSION_TOKEN_ENCRYPTION_KEY: secret.ref("HRIDAAI_SECRET_KEY"),
      S3_BUCKET_NAME: bucket.bucket,
      S3_REGION_NAME: bucket.region,
      S3_ENDPOINT_URL: bucket.endpoint,
      S3_ACCESS_KEY_ID: secret.has("S3_ACCESS_KEY_ID") ? secret.ref("S3_ACCESS_KEY_ID") : undefined,
      S3_SECRET_ACCESS_KEY: secret.has("S3_SECRET_ACCESS_KEY") ? secret.ref("S3_SECRET_ACCESS_KEY") : undefined,
      TIKA_SERVER_URL: tikaUrl,
      RAG_EMBEDDING_ENGINE: HRIDAAI_SEED.embeddingEngine[s.embedding.engine],
      RAG_EMBEDDING_MODEL: s.embedding.model ?? HRIDAAI_SEED.embeddingModel[s.embedding.engine],
      RAG_OPENAI_API_BASE_URL: s.embedding.engine === "openai" ? embeddingBase : undefined,
      RAG_OLLAMA_BASE_URL: s.embedding.engine === "ollama" ? embeddingBase : undefined,
      RAG_OPENAI_API_KEY: secret.has("RAG_OPENAI_API_KEY") ? secret.ref("RAG_OPENAI_API_KEY") : undefined,
      ENABLE_OTEL: s.otelEndpoint ? "true" : undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: s.otelEndpoint,
      JWT_EXPIRES_IN: s.jwtExpiresIn,
      WEBUI_URL: `https://${host}`,
    });
    const outbound = [
      toTika,
      // Model providers, OAuth, the embedding service and (local engine) the model download over HTTPS.
      internetEgress([443]),
      ...[embeddingBase, s.otelEndpoint].filter((u): u is string => u !== undefined).map(egressToUrl),
    ];
    const uses = [db.access, redis.access, bucket.access];
    const irsa = bucket.serviceAccountAnnotations;

    const migration = new OneShotJob(roles.migrate, {
      namespace: ns,
      selector: migrateSelector,
      image: img.ref,
      command: s.migrateCommand,
      env: env_(true),
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      revision: `${img.revision}\nschema ${s.schemaVersion}`,
      uses,
      allowEgress: [toTika],
    }, { parent: this, dependsOn: [secret, ...db.ready, ...redis.ready, ...bucket.ready] });

    const web = new Workload(roles.web, {
      namespace: ns,
      selector: webSelector,
      image: img.ref,
      replicas: s.web.replicas,
      port: { name: "http", containerPort: HRIDAAI_SEED.port },
      probes: {
        liveness: { kind: "http", path: HRIDAAI_SEED.health, port: "http" },
        readiness: { kind: "http", path: HRIDAAI_SEED.health, port: "http" },
        startup: { kind: "http", path: HRIDAAI_SEED.health, port: "http" },
      },
      resources: { requests: { cpu: s.web.cpu, memory: s.web.memory }, limits: { cpu: s.web.cpuLimit, memory: s.web.memory } },
      env: env_(false),
      // The app writes caches under its data dir even with S3 storage; /tmp for uploads in flight.
      scratch: [{ path: "/tmp", sizeLimit: "1Gi" }, { path: "/app/backend/data", sizeLimit: "2Gi" }],
      minAvailable: HRIDAAI_SEED.pdbMinAvailable,
      autoscaling: { minReplicas: s.web.replicas, maxReplicas: s.web.maxReplicas, targetCpuUtilization: s.web.targetCpu },
      uses,
      allowFrom: [ingressControllerPeer(ctx)],
      allowEgress: outbound,
      serviceAccountAnnotations: irsa,
    }, { parent: this, dependsOn: [migration, tika] });
    this.apiAddress = pulumi.interpolate`http://${web.serviceName}.${ns}.svc.cluster.local:${HRIDAAI_SEED.port}`;

    new WebIngress(name("web"), {
      namespace: ns,
      labels: labels("web"),
      host,
      className: ctx.ingress.className,
      clusterIssuer: ctx.ingress.clusterIssuer,
      maxBodySize: "100m",
      websocketTimeoutSeconds: HRIDAAI_SEED.websocketTimeoutSeconds,
      routes: [
        { path: "/", serviceName: web.serviceName!, servicePort: "http" },
        { path: HRIDAAI_SEED.websocketPath, serviceName: web.serviceName!, servicePort: "http", websocket: true },
      ],
    }, { parent: this, dependsOn: [web] });

    this.url = `https://${host}`;
    this.bucket = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.databaseHost = db.host;
    this.redisHost = redis.host;
    this.registerContract();
  }
}

/** HridaAi as the platform deploys it: config key `hridaai`, its schema, checks and deployer. */
export const hridaaiSystem = defineSystem({
  name: HRIDAAI,
  schema: hridaaiSchema,
  check: checkHridaAi,
  deploy: (name, args, opts) => new HridaAi(name, args, opts),
});
