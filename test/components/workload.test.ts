import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Workload, WorkloadArgs } from "@scai/platform-components";
import { captured, dependsOn, evaluate, named, ofKind } from "../harness";

const base: WorkloadArgs = {
  namespace: "ns",
  selector: { "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": "api" },
  image: "example/demo:1.0.0",
  probes: { liveness: { kind: "http", path: "/live", port: "http" }, readiness: { kind: "http", path: "/ready", port: "http" } },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
};

describe("Workload component", () => {
  it("a worker without a port gets no Service, and its NetworkPolicy admits nobody", async () => {
    const { resources } = await evaluate("dev", () => new Workload("demo-worker", { ...base, probes: { none: "queue worker without a listener" } }));
    assert.deepStrictEqual(ofKind(resources, "Service"), []);
    assert.deepStrictEqual(named(resources, "NetworkPolicy", "demo-worker").spec.ingress, []);
    const d = named(resources, "Deployment", "demo-worker");
    assert.strictEqual(d.spec.template.metadata.annotations["scai.dev/no-probes-reason"], "queue worker without a listener");
    assert.strictEqual(d.spec.template.spec.containers[0].livenessProbe, undefined);
  });

  it("a listening workload gets a Service on the named port and ingress only from the given peers", async () => {
    const peer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } };
    const { resources } = await evaluate("dev", () => new Workload("demo-api", {
      ...base, port: { name: "http", containerPort: 8080, servicePort: 80 }, allowFrom: [peer],
    }));
    assert.deepStrictEqual(named(resources, "Service", "demo-api").spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    assert.deepStrictEqual(named(resources, "NetworkPolicy", "demo-api").spec.ingress, [{ from: [peer], ports: [{ protocol: "TCP", port: "http" }] }]);
  });

  it("HPA and PDB target the workload; minAvailable false drops the PDB", async () => {
    const { resources } = await evaluate("dev", () => new Workload("demo-api", {
      ...base, autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 60 }, minAvailable: 2,
    }));
    assert.strictEqual(named(resources, "HorizontalPodAutoscaler", "demo-api").spec.scaleTargetRef.name, "demo-api");
    assert.strictEqual(named(resources, "PodDisruptionBudget", "demo-api").spec.minAvailable, 2);
    const none = await evaluate("dev", () => new Workload("demo-api", { ...base, minAvailable: false }));
    assert.deepStrictEqual(ofKind(none.resources, "PodDisruptionBudget"), []);
  });

  it("clients of a data service wear its label; the selector stays the role's own labels", async () => {
    const access = { clientLabels: { "access.scai.dev/db": "true" }, egress: { to: [], ports: [{ protocol: "TCP", port: 5432 }] } };
    const { resources } = await evaluate("dev", () => new Workload("demo-api", { ...base, uses: [access] }));
    const d = named(resources, "Deployment", "demo-api");
    assert.strictEqual(d.spec.template.metadata.labels["access.scai.dev/db"], "true");
    assert.strictEqual(d.spec.selector.matchLabels["access.scai.dev/db"], undefined);
    assert.deepStrictEqual(named(resources, "NetworkPolicy", "demo-api").spec.egress, [access.egress]);
  });

  it("the Deployment waits for what the component was told to depend on", async () => {
    const { resources } = await evaluate("dev", () => {
      const before = new k8s.core.v1.ConfigMap("before", { metadata: { name: "before", namespace: "ns" } });
      return new Workload("demo-api", base, { dependsOn: [before] });
    });
    assert.ok(dependsOn(captured(resources, named(resources, "Deployment", "demo-api")), captured(resources, named(resources, "ConfigMap", "before"))));
  });

  it("the ServiceAccount mounts no token and carries the IRSA annotation it was given", async () => {
    const { resources } = await evaluate("dev", () => new Workload("demo-api", {
      ...base, serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/demo" },
    }));
    const sa = named(resources, "ServiceAccount", "demo-api");
    assert.strictEqual(sa.automountServiceAccountToken, false);
    assert.strictEqual(sa.metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/demo");
    assert.strictEqual(named(resources, "Deployment", "demo-api").spec.template.spec.serviceAccountName, "demo-api");
  });
});
