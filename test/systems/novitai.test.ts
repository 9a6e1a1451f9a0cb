/** Novitai as its operators describe it: one hardened container, /health, /metrics, a required API key. */
import * as assert from "assert";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import { deployPlatform } from "../../platform/platform";
import { Captured, envOf, evaluate, evaluateStack, named, ofKind, stackSource } from "../harness";

const container = (d: any) => d.spec.template.spec.containers[0];

describe("Novitai on prod", () => {
  let resources: Captured[];
  let api: any;

  before(async () => {
    resources = (await evaluateStack("prod")).resources;
    api = named(resources, "Deployment", "novitai-api");
  });

  it("runs as UID 1001 with a read-only root, /tmp and /var/tmp in memory", () => {
    const spec = api.spec.template.spec;
    assert.deepStrictEqual([spec.securityContext.runAsUser, container(api).securityContext.runAsUser], [1001, 1001]);
    assert.strictEqual(container(api).securityContext.readOnlyRootFilesystem, true);
    assert.deepStrictEqual(container(api).securityContext.capabilities, { drop: ["ALL"] });
    const mounts = Object.fromEntries(container(api).volumeMounts.map((m: any) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v.emptyDir]));
    assert.deepStrictEqual(volumes[mounts["/tmp"]].medium, "Memory");
    assert.deepStrictEqual(volumes[mounts["/var/tmp"]].medium, "Memory");
  });

  it("requests 256Mi / 250m and is limited to 512Mi / 500m", () => {
    assert.deepStrictEqual(container(api).resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
  });

  it("probes /health for liveness and readiness; Prometheus scrapes /metrics on the API port", () => {
    assert.deepStrictEqual(container(api).livenessProbe.httpGet, { path: "/health", port: "http" });
    assert.deepStrictEqual(container(api).readinessProbe.httpGet, { path: "/health", port: "http" });
    assert.deepStrictEqual(api.spec.template.metadata.annotations, { "prometheus.io/scrape": "true", "prometheus.io/path": "/metrics", "prometheus.io/port": "3000" });
    assert.deepStrictEqual(container(api).ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]);
  });

  it("env: Novitai's tunables at their defaults, NOVITA_API_KEY from the Secret", () => {
    assert.deepStrictEqual(envOf(container(api)), {
      NODE_ENV: "production",
      PORT: "3000",
      LOG_LEVEL: "info",
      NOVITA_API_KEY: { secretKeyRef: { name: "novitai-env", key: "NOVITA_API_KEY" } },
      INSTANCE_POLL_INTERVAL: "30",
      MAX_CONCURRENT_JOBS: "10",
      CACHE_TIMEOUT: "300",
      REQUEST_TIMEOUT: "30000",
    });
    assert.strictEqual(named(resources, "Secret", "novitai-env").stringData.NOVITA_API_KEY, "example-prod-novita-api-key");
  });

  it("internal by default: no Ingress; monitoring and labelled clients may connect; out only on 443", () => {
    assert.ok(!ofKind(resources, "Ingress").some(i => i.metadata.name.startsWith("novitai")));
    const np = named(resources, "NetworkPolicy", "novitai-api").spec;
    assert.deepStrictEqual(np.ingress, [{
      from: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        { podSelector: { matchLabels: { "access.scai.dev/novitai-api": "true" } } },
      ],
      ports: [{ protocol: "TCP", port: "http" }],
    }]);
    assert.deepStrictEqual(np.egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"] } }], ports: [{ protocol: "TCP", port: 443 }] }]);
  });

  it("a hostname adds a TLS Ingress and admits the ingress controller; the tunables and monitoring namespace follow config", async () => {
    const { resources: r, outputs } = await evaluateStack("prod", {
      systems: '["novitai"]',
      "novitai.hostname": "gpu.scai.example.com", "novitai.monitoringNamespace": "observability",
      "novitai.maxConcurrentJobs": "4", "novitai.requestTimeout": "10000",
    });
    assert.strictEqual(named(r, "Ingress", "novitai-web").spec.rules[0].host, "gpu.scai.example.com");
    const from = named(r, "NetworkPolicy", "novitai-api").spec.ingress[0].from.map((f: any) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]);
    assert.deepStrictEqual(from, ["observability", undefined, "ingress-nginx"]);
    const env = envOf(container(named(r, "Deployment", "novitai-api")));
    assert.deepStrictEqual([env.MAX_CONCURRENT_JOBS, env.REQUEST_TIMEOUT], ["4", "10000"]);
    assert.strictEqual(outputs.systems.novitai?.hostname, "gpu.scai.example.com");
  });
});

describe("Novitai's NOVITA_API_KEY", () => {
  it("missing on dev or prod: a ConfigError naming the command, before any resource is registered", async () => {
    for (const stack of ["dev", "prod"]) {
      let registered = -1;
      await assert.rejects(async () => {
        const { resources } = await evaluate(stack, () => deployPlatform(loadEnvironment(stackSource(stack, {}, {
          "scaisend.scaikey.clientSecret": "x", "scaisend.scaikey.webhookSecret": "y",
        }))));
        registered = resources.length;
      }, (e: ConfigError) => e instanceof ConfigError && e.problems.length === 1
        && e.problems[0] === "scai-platform:novitai.apiKey must be set with `pulumi config set --path --secret novitai.apiKey <value>` (got nothing)");
      assert.strictEqual(registered, -1);
    }
  });

  it("on local it is optional and gets a random stand-in, still only in the Secret", async () => {
    const { resources } = await evaluateStack("local");
    assert.match(named(resources, "Secret", "novitai-env").stringData.NOVITA_API_KEY, /^sEcReT/);
  });
});

describe("Novitai's state, logs and health check on prod", () => {
  let api: any;
  let resources: Captured[];
  before(async () => {
    resources = (await evaluateStack("prod")).resources;
    api = named(resources, "Deployment", "novitai-api");
  });

  it("one replica, with a budget that lets a node drain evict it; more replicas are refused", () => {
    assert.strictEqual(api.spec.replicas, 1);
    const pdb = named(resources, "PodDisruptionBudget", "novitai-api").spec;
    assert.strictEqual(pdb.maxUnavailable, 1);
    assert.strictEqual(pdb.minAvailable, undefined);
    assert.throws(() => loadEnvironment(stackSource("prod", { "novitai.replicas": "2" })),
      (e: ConfigError) => e.problems.length === 1 && e.problems[0].startsWith("scai-platform:novitai.replicas must be 1: Novitai keeps job tracking, caches and instance polling in its process") && e.problems[0].endsWith("(got 2)"));
  });

  it("its logs directory is the one writable volume besides /tmp and /var/tmp, and its path is configurable", async () => {
    const mounts = Object.fromEntries(container(api).volumeMounts.map((m: any) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(api.spec.template.spec.volumes.map((v: any) => [v.name, v.emptyDir]));
    assert.deepStrictEqual(Object.keys(mounts).sort(), ["/app/logs", "/tmp", "/var/tmp"]);
    assert.deepStrictEqual(volumes[mounts["/app/logs"]], { sizeLimit: "256Mi" });
    const other = named((await evaluateStack("prod", { systems: '["novitai"]', "novitai.logsPath": "/var/log/novita-gpu-api" })).resources, "Deployment", "novitai-api");
    assert.ok(container(other).volumeMounts.some((m: any) => m.mountPath === "/var/log/novita-gpu-api"));
  });

  it("probes on the production rhythm: every 15 s, 5 s timeout, 5 failures; a startup probe allows 60 s", () => {
    for (const p of ["livenessProbe", "readinessProbe"]) {
      const probe = container(api)[p];
      assert.deepStrictEqual([probe.periodSeconds, probe.timeoutSeconds, probe.failureThreshold, probe.initialDelaySeconds], [15, 5, 5, 0], p);
    }
    const startup = container(api).startupProbe;
    assert.deepStrictEqual(startup.httpGet, { path: "/health", port: "http" });
    assert.strictEqual(startup.periodSeconds * startup.failureThreshold, 60);
    assert.strictEqual(startup.timeoutSeconds, 5);
  });
});
