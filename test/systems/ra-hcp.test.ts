/** RA-HCP as its operators describe it: replicas per environment, probes, routing, Redis only for the backend. */
import * as assert from "assert";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import { Captured, envOf, evaluateStack, named, ofKind, stackSource } from "../harness";

const container = (d: any) => d.spec.template.spec.containers[0];

describe("RA-HCP", () => {
  let dev: Captured[];
  let prod: Captured[];

  before(async () => {
    dev = (await evaluateStack("dev")).resources;
    prod = (await evaluateStack("prod")).resources;
  });

  it("replicas per RA-HCP's table: backend dev 1, prod 5; frontend dev 1, prod 2", () => {
    const replicas = (r: Captured[]) => ["rahcp-backend", "rahcp-frontend"].map(n => named(r, "Deployment", n).spec.replicas);
    assert.deepStrictEqual(replicas(dev), [1, 1]);
    assert.deepStrictEqual(replicas(prod), [5, 2]);
  });

  it("the backend runs the Dockerfile's gunicorn command with 1 worker per pod", () => {
    const args = container(named(prod, "Deployment", "rahcp-backend")).args;
    assert.deepStrictEqual(args.slice(0, 8), ["gunicorn", "app.main:app", "--worker-class", "uvicorn.workers.UvicornWorker", "--bind", "0.0.0.0:8000", "--workers", "1"]);
    assert.deepStrictEqual(args.slice(8), ["--max-requests", "10000", "--max-requests-jitter", "1000", "--timeout", "120", "--keep-alive", "5", "--access-logfile", "-"]);
  });

  it("backend probes /liveness and /readiness on 8000, with values-prod's resources", () => {
    const c = container(named(prod, "Deployment", "rahcp-backend"));
    assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/liveness", port: "http" });
    assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/readiness", port: "http" });
    assert.deepStrictEqual(c.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  });

  it("prod env: HCP_DOMAIN from config, HCP_VERIFY_SSL=true, explicit CORS origin, API_SECRET_KEY and REDIS_URL from the Secret", () => {
    const env = envOf(container(named(prod, "Deployment", "rahcp-backend")));
    assert.deepStrictEqual(env, {
      HCP_DOMAIN: "hcp.example.com",
      HCP_VERIFY_SSL: "true",
      CORS_ORIGINS: "https://hcp-ui.scai.example.com",
      API_SECRET_KEY: { secretKeyRef: { name: "rahcp-env", key: "API_SECRET_KEY" } },
      REDIS_URL: { secretKeyRef: { name: "rahcp-env", key: "REDIS_URL" } },
    });
    assert.strictEqual(envOf(container(named(dev, "Deployment", "rahcp-backend"))).CORS_ORIGINS, "https://hcp-ui.dev.scai.example.com");
  });

  it("API_SECRET_KEY is random, 86 characters (token_urlsafe(64)), and differs per environment", () => {
    const key = (r: Captured[]) => named(r, "Secret", "rahcp-env").stringData.API_SECRET_KEY;
    assert.strictEqual(key(prod).length, 86);
    assert.notStrictEqual(key(dev), key(prod));
    const pw = prod.find(r => r.type === "random:index/randomPassword:RandomPassword" && r.name === "rahcp-env-api-secret-key");
    assert.strictEqual(pw!.inputs.length, 86);
  });

  it("one Ingress host: /api to the backend, / to the frontend", () => {
    const ing = named(prod, "Ingress", "rahcp-web");
    assert.strictEqual(ing.spec.rules[0].host, "hcp-ui.scai.example.com");
    assert.deepStrictEqual(ing.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]), [["/api", "rahcp-backend"], ["/", "rahcp-frontend"]]);
    assert.deepStrictEqual(ofKind(prod, "Ingress").filter(i => i.metadata.name.startsWith("rahcp")).map(i => i.metadata.name), ["rahcp-web"]);
  });

  it("Redis is in the cluster, admits only pods with its client label, and only the backend wears it", () => {
    const np = named(prod, "NetworkPolicy", "rahcp-redis").spec;
    assert.deepStrictEqual(np.ingress, [{ from: [{ podSelector: { matchLabels: { "access.scai.dev/rahcp-redis": "true" } } }], ports: [{ protocol: "TCP", port: "redis" }] }]);
    const wearers = [...ofKind(prod, "Deployment"), ...ofKind(prod, "StatefulSet"), ...ofKind(prod, "Job")]
      .filter(d => d.spec.template.metadata.labels["access.scai.dev/rahcp-redis"] === "true").map(d => d.metadata.name);
    assert.deepStrictEqual(wearers, ["rahcp-backend"]);
    assert.strictEqual(named(prod, "StatefulSet", "rahcp-redis").spec.template.spec.containers[0].args.includes("allkeys-lru"), true);
  });

  it("the backend takes traffic from the ingress controller and the frontend; the frontend only from the ingress controller", () => {
    const from = (n: string) => named(prod, "NetworkPolicy", n).spec.ingress[0].from;
    assert.deepStrictEqual(from("rahcp-backend"), [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
      { podSelector: { matchLabels: named(prod, "Deployment", "rahcp-frontend").spec.selector.matchLabels } },
    ]);
    assert.deepStrictEqual(from("rahcp-frontend"), [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }]);
    const backendEgress = named(prod, "NetworkPolicy", "rahcp-backend").spec.egress;
    assert.ok(backendEgress.some((e: any) => e.ports?.map((p: any) => p.port).join() === "9090,443"), "no egress to HCP MAPI and S3");
  });

  it("autoscaling is optional: off by default, an HPA from replicas to maxReplicas when on", async () => {
    assert.ok(!ofKind(prod, "HorizontalPodAutoscaler").some(h => h.metadata.name === "rahcp-backend"));
    const { resources } = await evaluateStack("prod", { systems: '["rahcp"]', "rahcp.backend.autoscaling": "true", "rahcp.backend.maxReplicas": "12" });
    const hpa = named(resources, "HorizontalPodAutoscaler", "rahcp-backend");
    assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [5, 12]);
  });

  it("prod refuses CORS_ORIGINS * or false and HCP_VERIFY_SSL false; dev allows them", () => {
    const problems = (stack: string, o: Record<string, string>) => {
      try { loadEnvironment(stackSource(stack, o)); return []; } catch (e) { return (e as ConfigError).problems; }
    };
    assert.deepStrictEqual(problems("prod", { "rahcp.corsOrigins": "https://hcp-ui.scai.example.com,*", "rahcp.verifySsl": "false" }), [
      "scai-platform:rahcp.verifySsl must be true on prod: HCP traffic is otherwise open to interception (got false)",
      'scai-platform:rahcp.corsOrigins must list explicit origins on prod, not * or false (got "https://hcp-ui.scai.example.com,*")',
    ]);
    assert.deepStrictEqual(problems("prod", { "rahcp.corsOrigins": "false" }), ['scai-platform:rahcp.corsOrigins must list explicit origins on prod, not * or false (got "false")']);
    assert.deepStrictEqual(problems("dev", { "rahcp.corsOrigins": "*", "rahcp.verifySsl": "false" }), []);
    assert.deepStrictEqual(problems("prod", { "rahcp.image": "riksarkivet/ra-hcp:latest" }), ['scai-platform:rahcp.image must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "riksarkivet/ra-hcp:latest")']);
  });
});

describe("RA-HCP to HCP: where the backend may connect", () => {
  const problems = (stack: string, o: Record<string, string>) => {
    try { loadEnvironment(stackSource(stack, o)); return []; } catch (e) { return (e as ConfigError).problems; }
  };
  const hcpEgress = (r: Captured[]) => named(r, "NetworkPolicy", "rahcp-backend").spec.egress
    .filter((e: any) => e.ports?.some((p: any) => p.port !== 6379));

  it("an HCP on private or VPN ranges: egress to exactly those ranges on the configured ports, nothing public", async () => {
    const { resources } = await evaluateStack("prod", { systems: '["rahcp"]', "rahcp.hcp.cidrs": '["10.20.0.0/16","192.168.50.0/24"]', "rahcp.hcp.ports": '["9090","8443"]' });
    assert.deepStrictEqual(hcpEgress(resources), [{
      to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "192.168.50.0/24" } }],
      ports: [{ protocol: "TCP", port: 9090 }, { protocol: "TCP", port: 8443 }],
    }]);
  });

  it("by default HCP is on public addresses: the internet (private ranges excepted) on MAPI 9090 and S3 443", async () => {
    const { resources } = await evaluateStack("prod");
    const [rule] = hcpEgress(resources);
    assert.strictEqual(rule.to[0].ipBlock.cidr, "0.0.0.0/0");
    assert.ok(rule.to[0].ipBlock.except.includes("10.0.0.0/8"));
    assert.deepStrictEqual(rule.ports.map((p: any) => p.port), [9090, 443]);
  });

  it("refuses malformed ranges and ports, naming the key", () => {
    assert.deepStrictEqual(problems("prod", { "rahcp.hcp.cidrs": '["10.20.0.0/33"]' }).map(p => p.split(" must ")[0]), ["scai-platform:rahcp.hcp.cidrs"]);
    assert.deepStrictEqual(problems("prod", { "rahcp.hcp.ports": '["http"]' }).map(p => p.split(" must ")[0]), ["scai-platform:rahcp.hcp.ports"]);
  });

  it("local's placeholder HCP: the backend says why it stays unready and the deployment does not wait for it; dev and prod refuse a placeholder", async () => {
    const local = (await evaluateStack("local")).resources;
    const backend = named(local, "Deployment", "rahcp-backend");
    assert.strictEqual(backend.metadata.annotations["pulumi.com/skipAwait"], "true");
    assert.match(backend.metadata.annotations["scai.dev/unready-reason"], /HCP_DOMAIN hcp\.scai\.localhost is a placeholder; \/readiness checks HCP MAPI/);
    assert.strictEqual(named(local, "Deployment", "rahcp-frontend").metadata.annotations, undefined);
    const prod = (await evaluateStack("prod")).resources;
    assert.strictEqual(named(prod, "Deployment", "rahcp-backend").metadata.annotations, undefined);
    assert.deepStrictEqual(problems("dev", { "rahcp.hcpDomain": "hcp.scai.localhost" }), [
      'scai-platform:rahcp.hcpDomain must name a reachable HCP on dev: a .localhost name never resolves to one, so no backend would ever be ready (got "hcp.scai.localhost")',
    ]);
  });
});
