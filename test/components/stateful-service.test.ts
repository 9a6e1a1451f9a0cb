import * as assert from "assert";
import { StatefulService } from "@scai/platform-components";
import { evaluate, named } from "../harness";

describe("StatefulService component", () => {
  it("governs its StatefulSet with a headless Service of the same name (kube-score statefulset-has-servicename)", async () => {
    const { resources } = await evaluate("dev", () => new StatefulService("demo-redis", {
      namespace: "ns",
      selector: { "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": "redis" },
      image: "redis:7.2",
      ports: [{ name: "redis", containerPort: 6379 }],
      probes: { liveness: { kind: "tcp", port: "redis" }, readiness: { kind: "tcp", port: "redis" } },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      uid: 999,
      dataPath: "/data",
      storage: "1Gi",
    }));
    const svc = named(resources, "Service", "demo-redis");
    assert.strictEqual(svc.spec.clusterIP, "None");
    assert.strictEqual(named(resources, "StatefulSet", "demo-redis").spec.serviceName, "demo-redis");
    assert.deepStrictEqual(svc.spec.ports, [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }]);
  });
});
