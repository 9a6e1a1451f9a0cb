import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  assertRetainedNeverExpire, BucketRequest, DatabaseConnection, databaseUrl, Naming, redisUrl,
} from "@scai/platform-components";
import { evaluate, output } from "../harness";

const access = { clientLabels: {}, egress: {} };

describe("data-plane helpers", () => {
  const bucket: BucketRequest = {
    purpose: "files",
    expire: [{ id: "expire-uploads", prefix: "uploads/", expireAfterDays: 2 }],
    retain: ["chunks/"],
    serviceAccounts: [],
  };

  it("an expiry rule covering a retained prefix is refused", () => {
    assert.throws(() => assertRetainedNeverExpire({ ...bucket, expire: [{ id: "all", prefix: "", expireAfterDays: 1 }] }),
      /rule all \(\) would expire retained prefix chunks\//);
    assert.throws(() => assertRetainedNeverExpire({ ...bucket, expire: [{ id: "c", prefix: "chunks/tmp/", expireAfterDays: 1 }] }),
      /would expire retained prefix chunks\//);
    assert.doesNotThrow(() => assertRetainedNeverExpire(bucket));
  });

  // The lifecycle documents themselves: test/components/lifecycle.test.ts.

  it("URLs carry the escaped password and stay secret", async () => {
    await evaluate("dev", () => undefined);
    const db: DatabaseConnection = {
      engine: "mysql", host: pulumi.output("db.internal"), port: 3306, database: "app", username: "app",
      password: pulumi.secret("p@ss/word"), tls: true, access, ready: [],
    };
    const url = databaseUrl("mysql+aiomysql", db);
    assert.strictEqual(await output(url), "mysql+aiomysql://app:p%40ss%2Fword@db.internal:3306/app?ssl_check_hostname=false");
    const pg = databaseUrl("postgresql", { ...db, engine: "postgres", port: 5432 });
    assert.strictEqual(await output(pg), "postgresql://app:p%40ss%2Fword@db.internal:5432/app?sslmode=require");
    const plain = databaseUrl("mysql+aiomysql", { ...db, tls: false });
    assert.strictEqual(await output(plain), "mysql+aiomysql://app:p%40ss%2Fword@db.internal:3306/app");
    assert.ok(await pulumi.isSecret(url));
    const redis = redisUrl({ host: pulumi.output("cache"), port: 6379, password: pulumi.secret("pw"), tls: true, access, ready: [] });
    assert.strictEqual(await output(redis), "rediss://:pw@cache:6379/0");
    assert.ok(await pulumi.isSecret(redis));
  });
});

describe("naming helper", () => {
  it("cloud names carry the environment; Kubernetes names do not need to", () => {
    const n = new Naming("prod");
    assert.strictEqual(n.cloud("scaidrive", "files"), "scai-prod-scaidrive-files");
    assert.strictEqual(n.k8s("scaidrive", "api"), "scaidrive-api");
    assert.notStrictEqual(new Naming("dev").cloud("scaidrive", "files"), n.cloud("scaidrive", "files"));
  });

  it("a derived name that is not a DNS label of at most 63 characters is refused", () => {
    assert.throws(() => new Naming("prod").k8s("Scai", "API"), /not a DNS label/);
    assert.throws(() => new Naming("prod").cloud("x".repeat(60)), /at most 63/);
  });
});
