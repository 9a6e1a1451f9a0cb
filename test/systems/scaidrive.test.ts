/** ScaiDrive as its operators describe it, on the dev stack (its production numbers). */
import * as assert from "assert";
import { mapConfigSource } from "../../platform/config-source";
import { loadEnvironment } from "../../platform/environment";
import { deployPlatform } from "../../platform/platform";
import {
  Captured, PROJECT, captured, dependsOn, envOf, evaluate, evaluateStack, evaluateStackFresh, exampleSecrets, isSecretValue, named, ofKind, selects, stackConfig,
} from "../harness";

const REQUIRED_ENV = [
  "SCAIDRIVE_DATABASE_URL", "SCAIDRIVE_REDIS_URL", "SCAIDRIVE_S3_ENDPOINT", "SCAIDRIVE_S3_BUCKET",
  "SCAIDRIVE_S3_ACCESS_KEY", "SCAIDRIVE_S3_SECRET_KEY", "SCAIDRIVE_SCAIKEY_URL", "SCAIDRIVE_SCAIKEY_CLIENT_ID",
  "SCAIDRIVE_JWT_ISSUER", "SCAIDRIVE_SECRET_KEY", "SCAIDRIVE_ENCRYPTION_KEY",
];
const SECRET_ENV = [
  "SCAIDRIVE_DATABASE_URL", "SCAIDRIVE_REDIS_URL", "SCAIDRIVE_S3_ACCESS_KEY", "SCAIDRIVE_S3_SECRET_KEY",
  "SCAIDRIVE_SECRET_KEY", "SCAIDRIVE_ENCRYPTION_KEY",
];
const QUEUES = ["high", "medium", "low"];

const container = (d: any) => d.spec.template.spec.containers[0];

describe("ScaiDrive on dev", () => {
  let resources: Captured[];
  let api: any;

  before(async () => {
    resources = (await evaluateStack("dev")).resources;
    api = named(resources, "Deployment", "scaidrive-api");
  });

  it("api runs 3 replicas of `api` with 2 CPU / 4 GiB requests", () => {
    assert.strictEqual(api.spec.replicas, 3);
    assert.deepStrictEqual(container(api).args, ["api"]);
    assert.deepStrictEqual(container(api).resources.requests, { cpu: "2", memory: "4Gi" });
  });

  it("api probes hit /api/v1/health (liveness) and /api/v1/ready (readiness) on port 8000", () => {
    const c = container(api);
    assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/api/v1/health", port: "http" });
    assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/api/v1/ready", port: "http" });
  });

  it("api Service forwards port 8000 to the api pods", () => {
    const svc = named(resources, "Service", "scaidrive-api");
    assert.ok(selects(svc.spec.selector, api.spec.template.metadata.labels));
    assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 8000, targetPort: "http", protocol: "TCP" }]);
  });

  it("the HPA scales scaidrive-api from 3 to 20 at 70% CPU", () => {
    const hpa = named(resources, "HorizontalPodAutoscaler", "scaidrive-api");
    assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "scaidrive-api" });
    assert.strictEqual(hpa.spec.minReplicas, 3);
    assert.strictEqual(hpa.spec.maxReplicas, 20);
    assert.deepStrictEqual(hpa.spec.metrics[0].resource, { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } });
  });

  it("one worker per queue (high, medium, low), 2 replicas each, 1 CPU / 2 GiB requests", () => {
    for (const q of QUEUES) {
      const w = named(resources, "Deployment", `scaidrive-worker-${q}`);
      assert.strictEqual(w.spec.replicas, 2);
      assert.deepStrictEqual(container(w).args, ["worker"]);
      assert.deepStrictEqual(container(w).resources.requests, { cpu: "1", memory: "2Gi" });
      assert.strictEqual(envOf(container(w)).SCAIDRIVE_WORKER_QUEUES, q);
    }
  });

  it("KEDA scales each worker on its own Redis queue depth, authenticated from the Secret", () => {
    for (const q of QUEUES) {
      const so = named(resources, "ScaledObject", `scaidrive-worker-${q}`);
      assert.strictEqual(so.spec.scaleTargetRef.name, `scaidrive-worker-${q}`);
      assert.strictEqual(so.spec.minReplicaCount, 2);
      assert.strictEqual(so.spec.maxReplicaCount, 10);
      const [t] = so.spec.triggers;
      assert.strictEqual(t.type, "redis");
      assert.strictEqual(t.metadata.listName, `arq:queue:${q}`);
      assert.strictEqual(t.metadata.listLength, "20");
      const auth = named(resources, "TriggerAuthentication", t.authenticationRef.name);
      assert.deepStrictEqual(auth.spec.secretTargetRef, [{ parameter: "password", name: "scaidrive-env", key: "redis-password" }]);
    }
  });

  it("the Prometheus scaler is an option: the query gets the queue name", async () => {
    const { resources: r } = await evaluateStack("dev", {
      systems: '["scaidrive"]',
      "scaidrive.workers.scaler": "prometheus",
      "scaidrive.workers.prometheusUrl": "http://prometheus.monitoring:9090",
      "scaidrive.workers.prometheusQuery": 'sum(scaidrive_queue_depth{queue="{queue}"})',
    });
    const [t] = named(r, "ScaledObject", "scaidrive-worker-low").spec.triggers;
    assert.deepStrictEqual(t, {
      type: "prometheus",
      metadata: { serverAddress: "http://prometheus.monitoring:9090", query: 'sum(scaidrive_queue_depth{queue="low"})', threshold: "20" },
    });
  });

  it("PodDisruptionBudgets keep at least 1 api and 1 worker of each queue available", () => {
    for (const name of ["scaidrive-api", ...QUEUES.map(q => `scaidrive-worker-${q}`)]) {
      const pdb = named(resources, "PodDisruptionBudget", name);
      assert.strictEqual(pdb.spec.minAvailable, 1);
      assert.ok(selects(pdb.spec.selector.matchLabels, named(resources, "Deployment", name).spec.template.metadata.labels));
    }
  });

  it("rolling updates surge and never take a pod down first, so they respect the budget", () => {
    assert.deepStrictEqual(api.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  it("pods spread across nodes and zones", () => {
    const keys = api.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey);
    assert.deepStrictEqual(keys, ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  });

  it("migrate runs once per release as a Job, and api and workers wait for it", () => {
    const [job] = ofKind(resources, "Job").filter(j => j.metadata.name.startsWith("scaidrive-migrate-"));
    assert.deepStrictEqual(container(job).args, ["migrate"]);
    assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
    const jobRes = captured(resources, job);
    for (const name of ["scaidrive-api", ...QUEUES.map(q => `scaidrive-worker-${q}`)]) {
      assert.ok(dependsOn(captured(resources, named(resources, "Deployment", name)), jobRes), `${name} does not wait for the migration`);
    }
  });

  it("a new image or schema version gives a new migration Job; the same release keeps its name", async () => {
    const jobName = (r: Captured[]) => ofKind(r, "Job").find(j => j.metadata.name.startsWith("scaidrive-migrate-")).metadata.name;
    const base = jobName(resources);
    const same = jobName((await evaluateStackFresh("dev")).resources);
    const newImage = jobName((await evaluateStack("dev", { "scaidrive.image": "scailabs/scaidrive:1.5.0" })).resources);
    const newSchema = jobName((await evaluateStack("dev", { "scaidrive.schemaVersion": "2" })).resources);
    assert.strictEqual(same, base);
    assert.notStrictEqual(newImage, base);
    assert.notStrictEqual(newSchema, base);
    assert.notStrictEqual(newImage, newSchema);
  });

  it("the Ingress routes / and both WebSocket paths to the api over TLS, with 5g bodies", () => {
    const main = named(resources, "Ingress", "scaidrive-web");
    const ws = named(resources, "Ingress", "scaidrive-web-ws");
    const paths = (i: any) => i.spec.rules[0].http.paths.map((p: any) => p.path);
    assert.deepStrictEqual(paths(main), ["/"]);
    assert.deepStrictEqual(paths(ws), ["/api/v1/realtime/ws", "/api/v1/sync/ws/"]);
    for (const i of [main, ws]) {
      assert.strictEqual(i.spec.rules[0].host, "drive.dev.scai.example.com");
      assert.strictEqual(i.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "5g");
      assert.deepStrictEqual(i.spec.tls, [{ hosts: ["drive.dev.scai.example.com"], secretName: "scaidrive-web-tls" }]);
    }
  });

  it("WebSocket paths get 3600 s read and send timeouts; plain paths keep the defaults", () => {
    const ws = named(resources, "Ingress", "scaidrive-web-ws").metadata.annotations;
    const main = named(resources, "Ingress", "scaidrive-web").metadata.annotations;
    assert.strictEqual(ws["nginx.ingress.kubernetes.io/proxy-read-timeout"], "3600");
    assert.strictEqual(ws["nginx.ingress.kubernetes.io/proxy-send-timeout"], "3600");
    assert.strictEqual(main["nginx.ingress.kubernetes.io/proxy-read-timeout"], undefined);
    assert.strictEqual(main["cert-manager.io/cluster-issuer"], "letsencrypt-staging");
    assert.strictEqual(ws["cert-manager.io/cluster-issuer"], undefined);
  });

  it("every required SCAIDRIVE_* variable is set on api, workers and migrate; credentials via secretKeyRef only", () => {
    const pods = [api, ...QUEUES.map(q => named(resources, "Deployment", `scaidrive-worker-${q}`)),
      ...ofKind(resources, "Job").filter(j => j.metadata.name.startsWith("scaidrive-migrate-"))];
    for (const d of pods) {
      const env = envOf(container(d));
      for (const k of REQUIRED_ENV) assert.ok(env[k] !== undefined, `${d.metadata.name} lacks ${k}`);
      for (const k of SECRET_ENV) assert.deepStrictEqual(env[k], { secretKeyRef: { name: "scaidrive-env", key: k } }, `${d.metadata.name} ${k}`);
    }
  });

  it("the env points at ScaiKey and the environment's own bucket", () => {
    const env = envOf(container(api));
    assert.strictEqual(env.SCAIDRIVE_SCAIKEY_URL, "https://scaikey.dev.scai.example.com");
    assert.strictEqual(env.SCAIDRIVE_JWT_ISSUER, "https://scaikey.dev.scai.example.com");
    assert.strictEqual(env.SCAIDRIVE_SCAIKEY_CLIENT_ID, "scaidrive");
    assert.match(env.SCAIDRIVE_S3_BUCKET, /^scai-dev-scaidrive-files-[0-9a-f]{8}$/);
    assert.strictEqual(env.SCAIDRIVE_LOG_LEVEL, "INFO");
    assert.strictEqual(env.SCAIDRIVE_CORS_ORIGINS, "*");
  });

  it("SCAIDRIVE_WEAVIATE_URL is set only when configured; a configured SCAIDRIVE_SCAISEND_URL replaces the in-cluster link", async () => {
    assert.strictEqual(envOf(container(api)).SCAIDRIVE_WEAVIATE_URL, undefined);
    const { resources: r } = await evaluateStack("dev", {
      "scaidrive.weaviateUrl": "http://weaviate:8080",
      "scaidrive.scaisendUrl": "https://send.example.com",
    });
    const d = named(r, "Deployment", "scaidrive-api");
    assert.strictEqual(envOf(container(d)).SCAIDRIVE_WEAVIATE_URL, "http://weaviate:8080");
    assert.strictEqual(envOf(container(d)).SCAIDRIVE_SCAISEND_URL, "https://send.example.com");
    const egress = named(r, "NetworkPolicy", "scaidrive-api").spec.egress;
    assert.ok(egress.some((e: any) => e.ports[0].port === 8080 && e.to[0].namespaceSelector), "no egress to in-cluster Weaviate");
    // Pointed elsewhere: no link to this environment's ScaiSend, no label, no egress to its pods.
    assert.ok(!egress.some((e: any) => e.to[0].podSelector?.matchLabels?.["app.kubernetes.io/name"] === "scaisend"));
    assert.strictEqual(d.spec.template.metadata.labels["access.scai.dev/scaisend-api"], undefined);
  });

  it("SCAIDRIVE_CORS_ORIGINS is unset on prod unless configured", async () => {
    const config = stackConfig("prod");
    delete config["scaidrive.corsOrigins"];
    const env = loadEnvironment(mapConfigSource(PROJECT, "prod", config, exampleSecrets("prod")));
    const { resources: r } = await evaluate("prod", () => deployPlatform(env));
    assert.strictEqual(envOf(container(named(r, "Deployment", "scaidrive-api"))).SCAIDRIVE_CORS_ORIGINS, undefined);
  });

  it("SECRET_KEY is generated with 64 characters and ENCRYPTION_KEY with exactly 32, rotating with secrets.rotation", () => {
    const pw = (key: string) => resources.find(r => r.type === "random:index/randomPassword:RandomPassword" && r.name === `scaidrive-env-${key}`)!;
    assert.strictEqual(pw("scaidrive-secret-key").inputs.length, 64);
    assert.strictEqual(pw("scaidrive-encryption-key").inputs.length, 32);
    assert.strictEqual(pw("scaidrive-encryption-key").state.result.length, 32);
    assert.deepStrictEqual(pw("scaidrive-encryption-key").inputs.keepers, { rotation: "1" });
  });

  it("the Secret's data travels as a Pulumi secret and holds asyncmy and redis URLs", () => {
    const r = captured(resources, named(resources, "Secret", "scaidrive-env"));
    assert.ok(isSecretValue(r.rawInputs.stringData));
    // dev's data services are managed: RDS and ElastiCache, both TLS-only.
    assert.match(r.inputs.stringData.SCAIDRIVE_DATABASE_URL, /^mysql\+asyncmy:\/\/scaidrive:sEcReT\w+@scai-dev-scaidrive-mariadb\.c0ffee\.eu-west-1\.rds\.amazonaws\.com:3306\/scaidrive\?ssl_check_hostname=false$/);
    assert.match(r.inputs.stringData.SCAIDRIVE_REDIS_URL, /^rediss:\/\/:sEcReT\w+@master\.scai-dev-scaidrive-redis\.c0ffee\.euw1\.cache\.amazonaws\.com:6379\/0$/);
  });

  it("api is reachable only from the ingress controller, on its http port", () => {
    const np = named(resources, "NetworkPolicy", "scaidrive-api");
    assert.deepStrictEqual(np.spec.ingress, [{
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
      ports: [{ protocol: "TCP", port: "http" }],
    }]);
  });

  it("workers accept no inbound traffic and reach only their data services (inside the VPC) and HTTPS", () => {
    const np = named(resources, "NetworkPolicy", "scaidrive-worker-high");
    assert.deepStrictEqual(np.spec.ingress, []);
    const rules = np.spec.egress.map((e: any) => `${e.to[0].ipBlock?.cidr ?? e.to[0].podSelector.matchLabels["app.kubernetes.io/name"]}:${e.ports.map((p: any) => p.port).join(",")}`).sort();
    // MariaDB and Redis in the cluster's VPC; S3 and ScaiKey over HTTPS; the environment's ScaiSend for mail.
    assert.deepStrictEqual(rules, ["0.0.0.0/0:443", "0.0.0.0/0:443", "10.40.0.0/16:3306", "10.40.0.0/16:6379", "scaisend:8000"]);
  });

  it("the api and worker ServiceAccounts carry the IRSA role of the files bucket", () => {
    for (const sa of ["scaidrive-api", "scaidrive-worker-high", "scaidrive-worker-medium", "scaidrive-worker-low"]) {
      assert.strictEqual(named(resources, "ServiceAccount", sa).metadata.annotations["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/scai-dev-scaidrive-files-s3", sa);
    }
  });
});

describe("ScaiDrive's bucket lifecycle on the in-cluster store (local)", () => {
  let lifecycle: any;

  before(async () => {
    const { resources } = await evaluateStack("local");
    lifecycle = JSON.parse(named(resources, "ConfigMap", "scaidrive-minio-setup").data["lifecycle.json"]);
  });

  it("uploads/ expire after 2 days (ScaiDrive's 48 hours)", () => {
    const rule = lifecycle.Rules.find((r: any) => r.Filter.Prefix === "uploads/");
    assert.deepStrictEqual(rule, { ID: "expire-uploads", Status: "Enabled", Filter: { Prefix: "uploads/" }, Expiration: { Days: 2 } });
  });

  it("no rule expires current objects under chunks/ (or the whole bucket)", () => {
    // An Expiration with Days expires current objects; one with only ExpiredObjectDeleteMarker removes lone markers.
    const expiring = lifecycle.Rules.filter((r: any) => r.Expiration?.Days !== undefined || r.Expiration?.Date !== undefined).map((r: any) => r.Filter.Prefix);
    assert.deepStrictEqual(expiring, ["uploads/"]);
  });

  it("noncurrent versions expire after 30 days", () => {
    const rule = lifecycle.Rules.find((r: any) => r.NoncurrentVersionExpiration);
    assert.deepStrictEqual(rule.NoncurrentVersionExpiration, { NoncurrentDays: 30 });
  });
});

describe("ScaiDrive wired to the environment's ScaiSend", () => {
  const SEND = "http://scaisend-api.scai-dev.svc.cluster.local:8000";
  const toScaiSend = (np: any) => np.spec.egress.filter((e: any) => e.to[0].podSelector?.matchLabels?.["app.kubernetes.io/name"] === "scaisend");
  let resources: Captured[];
  let outputs: any;
  before(async () => { ({ resources, outputs } = await evaluateStack("dev")); });

  it("api and every worker get ScaiSend's in-cluster API as SCAIDRIVE_SCAISEND_URL, wear its client label and may reach its pods on 8000", () => {
    for (const role of ["scaidrive-api", ...QUEUES.map(q => `scaidrive-worker-${q}`)]) {
      const d = named(resources, "Deployment", role);
      assert.strictEqual(envOf(container(d)).SCAIDRIVE_SCAISEND_URL, SEND, role);
      assert.strictEqual(d.spec.template.metadata.labels["access.scai.dev/scaisend-api"], "true", role);
      assert.deepStrictEqual(toScaiSend(named(resources, "NetworkPolicy", role)), [{
        to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "scaisend", "app.kubernetes.io/component": "api", "app.kubernetes.io/instance": "scaisend-dev" } } }],
        ports: [{ protocol: "TCP", port: 8000 }],
      }], role);
    }
  });

  it("ScaiSend's API admits pods wearing its client label on its port, and the address is its Service", () => {
    const np = named(resources, "NetworkPolicy", "scaisend-api").spec;
    assert.ok(np.ingress[0].from.some((f: any) => f.podSelector?.matchLabels?.["access.scai.dev/scaisend-api"] === "true"));
    assert.deepStrictEqual(np.ingress[0].ports, [{ protocol: "TCP", port: "http" }]);
    const svc = named(resources, "Service", "scaisend-api");
    assert.deepStrictEqual(svc.spec.ports.map((p: any) => p.port), [8000]);
    assert.ok(selects(svc.spec.selector, named(resources, "Deployment", "scaisend-api").spec.template.metadata.labels));
  });

  it("the outputs contract lists the link, with the address ScaiDrive uses", async () => {
    const links = await new Promise(resolve => (outputs.systems.scaidrive.links.scaisend as any).apply((v: string) => { resolve(v); return v; }));
    assert.strictEqual(links, SEND);
    assert.strictEqual(outputs.systems.scaisend.links, undefined);
  });

  it("without ScaiSend in the environment there is no link, no variable, no label", async () => {
    const { resources: r, outputs: o } = await evaluateStack("dev", { systems: '["scaidrive"]' });
    const api = named(r, "Deployment", "scaidrive-api");
    assert.strictEqual(envOf(container(api)).SCAIDRIVE_SCAISEND_URL, undefined);
    assert.strictEqual(api.spec.template.metadata.labels["access.scai.dev/scaisend-api"], undefined);
    assert.deepStrictEqual(toScaiSend(named(r, "NetworkPolicy", "scaidrive-api")), []);
    assert.deepStrictEqual(o.systems.scaidrive!.links, {});
  });
});
