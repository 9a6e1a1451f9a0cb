/**
 * Each system on its own, against a stub data plane: no stack, no other system, no database
 * server or bucket registered, just what the system asks of the data plane and what it builds from
 * the answers. Fast (one small evaluation per system), and it shows a system needs nothing of its
 * environment beyond its SystemContext.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  BucketConnection, BucketRequest, DataPlane, DatabaseConnection, DatabaseRequest, Naming, RedisConnection, RedisRequest,
  SYSTEMS, SystemContext, SystemName, systemDefinition,
} from "@scai/platform-components";
import { loadEnvironment } from "../../platform/environment";
import { Captured, evaluate, manifests, stackSource } from "../harness";

/** Records every request and answers with fixed, recognisable connection facts. */
class StubDataPlane implements DataPlane {
  readonly asked: string[] = [];
  private access(kind: string) {
    return { clientLabels: { [`stub/${kind}`]: "client" }, egress: { to: [{ ipBlock: { cidr: "192.0.2.0/24" } }] } };
  }
  database(owner: string, r: DatabaseRequest): DatabaseConnection {
    this.asked.push(`database ${owner} ${r.engine} ${r.database}${r.extensions ? ` +${r.extensions.join(",")}` : ""}`);
    return {
      engine: r.engine, host: pulumi.output(`db.${owner}.stub`), port: 3306, database: r.database, username: r.username,
      password: pulumi.secret("stub-db-password"), tls: false, access: this.access("db"), ready: [],
    };
  }
  redis(owner: string, r: RedisRequest): RedisConnection {
    this.asked.push(`redis ${owner} ${r.maxmemoryPolicy ?? "default"}${r.idleTimeoutSeconds ? ` timeout ${r.idleTimeoutSeconds}` : ""}`);
    return { host: pulumi.output(`redis.${owner}.stub`), port: 6379, password: pulumi.secret("stub-redis-password"), tls: false, access: this.access("redis"), ready: [] };
  }
  bucket(owner: string, r: BucketRequest): BucketConnection {
    const expire = (r.expire ?? []).map(e => `${e.prefix}${e.expireAfterDays}d`).join(",");
    this.asked.push(`bucket ${owner} ${r.purpose}${expire ? ` expire ${expire}` : ""}`);
    return {
      endpoint: pulumi.output("https://s3.stub"), region: "stub-1", bucket: pulumi.output(`${owner}-${r.purpose}.stub`),
      access: this.access("bucket"), ready: [],
    };
  }
}

/** What each system asks of its data plane, as its operators' documents require (docs/systems.md). */
const EXPECTED: Record<SystemName, string[]> = {
  scaidrive: ["database scaidrive mariadb scaidrive", "redis scaidrive noeviction", "bucket scaidrive files expire uploads/2d"],
  scaisend: ["database scaisend mysql scaisend", "redis scaisend noeviction", "bucket scaisend attachments"],
  hridaai: ["database hridaai postgres hridaai +vector", "redis hridaai noeviction timeout 1800", "bucket hridaai uploads"],
  // RA-HCP keeps its cache in a Redis of its own (no persistence needed) and needs no database or bucket.
  rahcp: [],
  novitai: [],
};

const env = loadEnvironment(stackSource("local"));

function stubContext(data: DataPlane): SystemContext {
  const naming = new Naming("stub");
  return {
    naming, namespace: pulumi.output("stub-ns"), namespaceName: "stub-ns", domain: "stub.test",
    identityProviderUrl: "https://id.stub.test",
    ingress: { className: "nginx", clusterIssuer: "selfsigned", controllerNamespace: "ingress-nginx" },
    secretsRotation: "1", data,
    images: { resolve: (_s, configured) => ({ ref: configured, revision: configured }) },
  };
}

for (const name of Object.keys(SYSTEMS) as SystemName[]) {
  describe(`${name} on a stub data plane`, () => {
    let data: StubDataPlane;
    let resources: Captured[];

    before(async () => {
      data = new StubDataPlane();
      ({ resources } = await evaluate("local", () => systemDefinition(name).deploy(name, { context: stubContext(data), settings: env.systems[name] })));
    });

    it("asks the data plane for exactly what its operators require", () => {
      assert.deepStrictEqual(data.asked, EXPECTED[name]);
    });

    it("registers only its own objects: no data service of the platform's, everything in the context's namespace", () => {
      const objects = manifests(resources);
      assert.ok(objects.length > 3, `${objects.length} objects`);
      const stray = objects.filter(o => o.kind !== "Namespace" && o.metadata.namespace !== "stub-ns" && !o.metadata.namespace?.startsWith("stub-ns-"));
      assert.deepStrictEqual(stray.map(o => `${o.kind}/${o.metadata.name}`), []);
      assert.deepStrictEqual(resources.filter(r => /aws:rds|aws:elasticache|aws:s3/.test(r.type)).map(r => r.name), []);
    });

    it("wires the answers into its pods: the stub's client labels on the pods that use them", () => {
      const labelled = manifests(resources)
        .filter(o => o.spec?.template?.metadata?.labels)
        .flatMap(o => Object.keys(o.spec.template.metadata.labels).filter(k => k.startsWith("stub/")));
      const wanted = [...new Set(EXPECTED[name].map(a => a.split(" ")[0]).map(k => `stub/${k === "database" ? "db" : k}`))].sort();
      assert.deepStrictEqual([...new Set(labelled)].sort(), wanted);
    });
  });
}
