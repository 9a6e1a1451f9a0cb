import * as assert from "assert";
import { InClusterDatabase, InClusterRedis } from "@scai/platform-components";
import { envOf, evaluate, named, ofKind } from "../harness";

const selector = (role: string) => ({ "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": role });

describe("in-cluster data services", () => {
  for (const [engine, image, port, vars] of [
    ["mariadb", "mariadb:10.11", 3306, ["MARIADB_DATABASE", "MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"]],
    ["mysql", "mysql:8.0", 3306, ["MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"]],
    ["postgres", "postgres:16", 5432, ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "PGDATA"]],
  ] as const) {
    it(`${engine}: ${image} on ${port} with a PVC, its own variables and passwords from its Secret`, async () => {
      const { resources } = await evaluate("local", () => new InClusterDatabase(`demo-${engine}`, {
        namespace: "ns", selector: selector(engine), rotation: "1",
        request: { engine, database: "demo", username: "demo" },
      }));
      const sts = named(resources, "StatefulSet", `demo-${engine}`);
      const c = sts.spec.template.spec.containers[0];
      assert.strictEqual(c.image, image);
      assert.deepStrictEqual(c.ports, [{ name: "db", containerPort: port, protocol: "TCP" }]);
      assert.deepStrictEqual(Object.keys(envOf(c)), vars);
      const pw = envOf(c)[vars[2]];
      assert.deepStrictEqual(pw, { secretKeyRef: { name: `demo-${engine}`, key: "password" } });
      assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
      // A replaced StatefulSet leaves its claim for the next one to mount: no silent data loss.
      assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });
  }

  it("postgres with the vector extension runs the pgvector image", async () => {
    const { resources } = await evaluate("local", () => new InClusterDatabase("demo-postgres", {
      namespace: "ns", selector: selector("postgres"), rotation: "1",
      request: { engine: "postgres", database: "demo", username: "demo", extensions: ["vector"] },
    }));
    assert.strictEqual(named(resources, "StatefulSet", "demo-postgres").spec.template.spec.containers[0].image, "pgvector/pgvector:pg16");
  });

  it("redis never evicts (queues live there), requires its password, and admits clients plus the given peers", async () => {
    const keda = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } } };
    const { resources } = await evaluate("local", () => new InClusterRedis("demo-redis", {
      namespace: "ns", selector: selector("redis"), rotation: "1", alsoAllowFrom: [keda],
    }));
    const c = named(resources, "StatefulSet", "demo-redis").spec.template.spec.containers[0];
    const args: string[] = c.args;
    assert.strictEqual(args[args.indexOf("--maxmemory-policy") + 1], "noeviction");
    assert.strictEqual(args[args.indexOf("--requirepass") + 1], "$(REDIS_PASSWORD)");
    assert.deepStrictEqual(envOf(c).REDIS_PASSWORD, { secretKeyRef: { name: "demo-redis", key: "password" } });
    const [np] = ofKind(resources, "NetworkPolicy");
    assert.deepStrictEqual(np.spec.ingress[0].from, [{ podSelector: { matchLabels: { "access.scai.dev/demo-redis": "true" } } }, keda]);
    assert.deepStrictEqual(np.spec.egress, []);
  });
});
