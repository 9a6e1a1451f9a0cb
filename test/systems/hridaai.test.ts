/** HridaAI in its scaled configuration, on dev. */
import * as assert from "assert";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import { Captured, captured, dependsOn, envOf, evaluateStack, exampleSecrets, named, ofKind, stackSource } from "../harness";

const container = (d: any) => d.spec.template.spec.containers[0];
const TIKA_URL = "http://hridaai-tika.scai-dev.svc.cluster.local:9998";

describe("HridaAI on dev", () => {
  let resources: Captured[];
  let web: any;
  let job: any;

  before(async () => {
    resources = (await evaluateStack("dev")).resources;
    web = named(resources, "Deployment", "hridaai-web");
    job = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("hridaai-migrate-"));
  });

  it("replicas carry HridaAI's scaled env, with migrations off", () => {
    const env = envOf(container(web));
    const plain = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string"));
    // The environment's uploads bucket: its name ends in the stack's random suffix.
    assert.match(env.S3_BUCKET_NAME, /^scai-dev-hridaai-uploads-[0-9a-f]{8}$/);
    assert.deepStrictEqual(plain, {
      VECTOR_DB: "pgvector",
      WEBSOCKET_MANAGER: "redis",
      ENABLE_WEBSOCKET_SUPPORT: "true",
      STORAGE_PROVIDER: "s3",
      CONTENT_EXTRACTION_ENGINE: "tika",
      UVICORN_WORKERS: "1",
      THREAD_POOL_SIZE: "2000",
      DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL: "300",
      ENABLE_PROFILE_IMAGE_URL_FORWARDING: "false",
      AIOHTTP_CLIENT_ALLOW_REDIRECTS: "false",
      ENABLE_OAUTH_ID_TOKEN_COOKIE: "false",
      ENABLE_DB_MIGRATIONS: "false",
      DATABASE_POOL_SIZE: "15",
      DATABASE_POOL_MAX_OVERFLOW: "20",
      S3_BUCKET_NAME: env.S3_BUCKET_NAME,
      S3_REGION_NAME: "eu-west-1",
      S3_ENDPOINT_URL: "https://s3.eu-west-1.amazonaws.com",
      TIKA_SERVER_URL: TIKA_URL,
      RAG_EMBEDDING_ENGINE: "",
      RAG_EMBEDDING_MODEL: "sentence-transformers/all-MiniLM-L6-v2",
      JWT_EXPIRES_IN: "8h",
      WEBUI_URL: "https://ai.dev.scai.example.com",
    });
    assert.strictEqual(env.ENABLE_OTEL, undefined);
    assert.strictEqual(env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
  });

  it("one shared key for HRIDAAI_SECRET_KEY and OAUTH_SESSION_TOKEN_ENCRYPTION_KEY; URLs and S3 keys from the Secret", () => {
    const env = envOf(container(web));
    const ref = (key: string) => ({ secretKeyRef: { name: "hridaai-env", key } });
    assert.deepStrictEqual(env.HRIDAAI_SECRET_KEY, ref("HRIDAAI_SECRET_KEY"));
    assert.deepStrictEqual(env.OAUTH_SESSION_TOKEN_ENCRYPTION_KEY, ref("HRIDAAI_SECRET_KEY"));
    for (const k of ["DATABASE_URL", "REDIS_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]) assert.deepStrictEqual(env[k], ref(k));
    assert.deepStrictEqual(env.PGVECTOR_DB_URL, ref("DATABASE_URL"));
    const secret = named(resources, "Secret", "hridaai-env");
    assert.match(secret.stringData.DATABASE_URL, /^postgresql:\/\/hridaai:sEcReT\w+@scai-dev-hridaai-postgres\.c0ffee\.eu-west-1\.rds\.amazonaws\.com:5432\/hridaai\?sslmode=require$/);
    assert.strictEqual(secret.stringData.HRIDAAI_SECRET_KEY.length, 64);
  });

  it("PostgreSQL is RDS PostgreSQL 16, whose extension list includes pgvector, with SSL forced", () => {
    const db = resources.find(r => r.type === "aws:rds/instance:Instance" && r.inputs.identifier === "scai-dev-hridaai-postgres")!.inputs;
    assert.deepStrictEqual([db.engine, db.engineVersion], ["postgres", "16"]);
    const pg = resources.find(r => r.type === "aws:rds/parameterGroup:ParameterGroup" && r.inputs.namePrefix === "scai-dev-hridaai-postgres-")!.inputs;
    assert.ok(pg.parameters.some((p: any) => p.name === "rds.force_ssl" && p.value === "1"), "SSL not forced");
  });

  it("in the cluster (local) PostgreSQL is the pgvector build", async () => {
    const local = (await evaluateStack("local", { systems: '["hridaai"]' })).resources;
    assert.strictEqual(container(named(local, "StatefulSet", "hridaai-postgres")).image, "pgvector/pgvector:pg16");
  });

  it("exactly one process migrates: the Job, with ENABLE_DB_MIGRATIONS=true, before the replicas start", () => {
    assert.strictEqual(envOf(container(job)).ENABLE_DB_MIGRATIONS, "true");
    assert.deepStrictEqual(container(job).command, ["python", "-c", "import open_webui.config"]);
    const migrators = [...ofKind(resources, "Deployment"), ...ofKind(resources, "Job")]
      .filter(d => d.metadata.name.startsWith("hridaai"))
      .filter(d => envOf(container(d)).ENABLE_DB_MIGRATIONS === "true");
    assert.deepStrictEqual(migrators.map(d => d.kind), ["Job"]);
    assert.ok(dependsOn(captured(resources, web), captured(resources, job)));
  });

  it("probes hit the image's /health on 8080; an HPA scales 2 to 4 pods", () => {
    assert.deepStrictEqual(container(web).ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    for (const p of ["livenessProbe", "readinessProbe", "startupProbe"]) assert.deepStrictEqual(container(web)[p].httpGet, { path: "/health", port: "http" });
    const hpa = named(resources, "HorizontalPodAutoscaler", "hridaai-web");
    assert.deepStrictEqual([web.spec.replicas, hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 2, 4]);
  });

  it("Tika: pinned full image on 9998, probed on /tika, reachable only from HridaAI and reaching nothing", () => {
    const tika = named(resources, "Deployment", "hridaai-tika");
    assert.strictEqual(container(tika).image, "apache/tika:2.9.2.1-full");
    assert.deepStrictEqual(container(tika).readinessProbe.httpGet, { path: "/tika", port: "http" });
    const np = named(resources, "NetworkPolicy", "hridaai-tika").spec;
    assert.deepStrictEqual(np.ingress[0].from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/component"]), ["web", "migrate"]);
    assert.deepStrictEqual(np.egress, []);
    assert.ok(!ofKind(resources, "Ingress").some(i => JSON.stringify(i).includes("hridaai-tika")), "Tika must not be exposed");
    const webEgress = named(resources, "NetworkPolicy", "hridaai-web").spec.egress;
    assert.ok(webEgress.some((e: any) => e.ports[0].port === 9998 && e.to[0].podSelector.matchLabels["app.kubernetes.io/component"] === "tika"));
  });

  it("the Ingress serves / and the socket.io path (long timeouts) on ai.<domain>; web only from the ingress controller", () => {
    const paths = (n: string) => named(resources, "Ingress", n).spec.rules[0].http.paths.map((p: any) => p.path);
    assert.deepStrictEqual(paths("hridaai-web"), ["/"]);
    assert.deepStrictEqual(paths("hridaai-web-ws"), ["/ws/socket.io"]);
    assert.strictEqual(named(resources, "Ingress", "hridaai-web").spec.rules[0].host, "ai.dev.scai.example.com");
    assert.deepStrictEqual(named(resources, "NetworkPolicy", "hridaai-web").spec.ingress[0].from,
      [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }]);
  });

  it("OTEL variables, pool sizes, JWT lifetime and the embedding engine follow config", async () => {
    const { resources: r } = await evaluateStack("dev", {
      systems: '["hridaai"]',
      "hridaai.otelEndpoint": "http://otel-collector.monitoring:4317",
      "hridaai.database.poolSize": "10",
      "hridaai.database.maxOverflow": "5",
      "hridaai.jwtExpiresIn": "2h",
      "hridaai.embedding.engine": "ollama",
      "hridaai.embedding.baseUrl": "http://ollama.ai:11434",
    });
    const env = envOf(container(named(r, "Deployment", "hridaai-web")));
    assert.strictEqual(env.ENABLE_OTEL, "true");
    assert.strictEqual(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.monitoring:4317");
    assert.deepStrictEqual([env.DATABASE_POOL_SIZE, env.DATABASE_POOL_MAX_OVERFLOW, env.JWT_EXPIRES_IN], ["10", "5", "2h"]);
    assert.deepStrictEqual([env.RAG_EMBEDDING_ENGINE, env.RAG_OLLAMA_BASE_URL, env.RAG_OPENAI_API_BASE_URL], ["ollama", "http://ollama.ai:11434", undefined]);
    const egress = named(r, "NetworkPolicy", "hridaai-web").spec.egress;
    assert.ok(egress.some((e: any) => e.ports[0].port === 4317), "no egress to the OTEL collector");
    assert.ok(egress.some((e: any) => e.ports[0].port === 11434), "no egress to Ollama");
  });

  it("refuses a JWT lifetime that is not a finite duration", () => {
    for (const [value, why] of [["forever", 'must be a duration such as 8h, 1d or 4w (got "forever")'], ["-1", 'must be a finite duration']]) {
      assert.throws(() => loadEnvironment(stackSource("dev", { "hridaai.jwtExpiresIn": value })),
        (e: ConfigError) => e.problems.length === 1 && e.problems[0].startsWith("scai-platform:hridaai.jwtExpiresIn ") && e.problems[0].includes(why));
    }
  });
});

describe("HridaAI embeddings: a configured engine that can embed", () => {
  const problemsOf = (stack: string, overrides: Record<string, string>, secrets: Record<string, string> = exampleSecrets(stack)) => {
    try {
      loadEnvironment(stackSource(stack, overrides, secrets));
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };
  const KEY = "sk-example-embedding-key";

  it("by default every stack embeds with the image's built-in engine: RAG_EMBEDDING_ENGINE empty, its model named, no key", async () => {
    for (const stack of ["local", "prod"]) {
      const { resources } = await evaluateStack(stack);
      const env = envOf(container(named(resources, "Deployment", "hridaai-web")));
      assert.strictEqual(env.RAG_EMBEDDING_ENGINE, "", stack);
      assert.strictEqual(env.RAG_EMBEDDING_MODEL, "sentence-transformers/all-MiniLM-L6-v2", stack);
      for (const k of ["RAG_OPENAI_API_KEY", "RAG_OPENAI_API_BASE_URL", "RAG_OLLAMA_BASE_URL"]) assert.strictEqual(env[k], undefined, `${stack} ${k}`);
    }
  });

  it("an OpenAI-compatible endpoint: its base URL in plain env, its key only through the Secret, egress to its host", async () => {
    const { resources } = await evaluateStack("prod", {
      systems: '["hridaai"]',
      "hridaai.embedding.engine": "openai",
      "hridaai.embedding.baseUrl": "https://embeddings.scai.example.com/v1",
      "hridaai.embedding.model": "bge-m3",
    }, { ...exampleSecrets("prod"), "hridaai.embedding.apiKey": KEY });
    const env = envOf(container(named(resources, "Deployment", "hridaai-web")));
    assert.strictEqual(env.RAG_EMBEDDING_ENGINE, "openai");
    assert.strictEqual(env.RAG_OPENAI_API_BASE_URL, "https://embeddings.scai.example.com/v1");
    assert.strictEqual(env.RAG_EMBEDDING_MODEL, "bge-m3");
    assert.deepStrictEqual(env.RAG_OPENAI_API_KEY, { secretKeyRef: { name: "hridaai-env", key: "RAG_OPENAI_API_KEY" } });
    assert.strictEqual(named(resources, "Secret", "hridaai-env").stringData.RAG_OPENAI_API_KEY, KEY);
    assert.ok(!JSON.stringify(ofKind(resources, "Deployment")).includes(KEY), "the key must not appear in a pod spec");
  });

  it("refuses, naming each key, an openai engine without its base URL and key (prod and every other profile)", () => {
    for (const stack of ["prod", "local"]) {
      const problems = problemsOf(stack, { "hridaai.embedding.engine": "openai" });
      assert.deepStrictEqual(problems, [
        'scai-platform:hridaai.embedding.baseUrl must be set when embedding.engine is "openai": the OpenAI-compatible endpoint, such as https://api.openai.com/v1 (got nothing)',
        'scai-platform:hridaai.embedding.apiKey must be set with `pulumi config set --path --secret hridaai.embedding.apiKey <value>` when embedding.engine is "openai" (got nothing)',
      ], stack);
    }
    // One without the other is as broken as neither.
    assert.deepStrictEqual(problemsOf("prod", { "hridaai.embedding.engine": "openai" }, { ...exampleSecrets("prod"), "hridaai.embedding.apiKey": KEY }).map(p => p.split(" ")[0]),
      ["scai-platform:hridaai.embedding.baseUrl"]);
    assert.deepStrictEqual(problemsOf("prod", { "hridaai.embedding.engine": "openai", "hridaai.embedding.baseUrl": "https://api.openai.com/v1" }).map(p => p.split(" ")[0]),
      ["scai-platform:hridaai.embedding.apiKey"]);
  });

  it("refuses an ollama engine with no server, and an endpoint or key the local engine would silently ignore", () => {
    assert.deepStrictEqual(problemsOf("prod", { "hridaai.embedding.engine": "ollama" }),
      ['scai-platform:hridaai.embedding.baseUrl must be set when embedding.engine is "ollama": the Ollama server, such as http://ollama.ai.svc:11434 (got nothing)']);
    assert.deepStrictEqual(problemsOf("prod", { "hridaai.embedding.baseUrl": "https://api.openai.com/v1" }, { ...exampleSecrets("prod"), "hridaai.embedding.apiKey": KEY }), [
      'scai-platform:hridaai.embedding.baseUrl must be unset when embedding.engine is "local": the built-in engine calls no endpoint (got "https://api.openai.com/v1")',
      'scai-platform:hridaai.embedding.apiKey must be unset when embedding.engine is "local": the built-in engine takes no key (got a secret)',
    ]);
  });
});

describe("HridaAI's Redis closes idle connections after 1800 s", () => {
  it("on ElastiCache its parameter group sets timeout 1800 beside maxmemory-policy; other systems' groups keep AWS's default", async () => {
    const { resources } = await evaluateStack("prod");
    const groups = resources.filter(r => r.type === "aws:elasticache/parameterGroup:ParameterGroup");
    const of = (system: string) => groups.find(g => g.name.includes(system))!.inputs.parameters;
    assert.deepStrictEqual(of("hridaai"), [{ name: "maxmemory-policy", value: "noeviction" }, { name: "timeout", value: "1800" }]);
    assert.deepStrictEqual(of("scaisend"), [{ name: "maxmemory-policy", value: "noeviction" }]);
  });

  it("in the cluster (local) Redis runs with --timeout 1800", async () => {
    const local = (await evaluateStack("local", { systems: '["hridaai"]' })).resources;
    const args: string[] = container(named(local, "StatefulSet", "hridaai-redis")).args;
    assert.strictEqual(args[args.indexOf("--timeout") + 1], "1800");
  });
});
