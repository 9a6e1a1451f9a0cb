import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ManagedDatabase, ManagedDatabaseArgs } from "../../components/aws/managed-database";
import { databaseUrl } from "../../components/data/data-plane";
import { allRules, evaluateRules, policyContext } from "../../policy/rules";
import { fromCaptured } from "../policy/fixtures";
import { Captured, evaluate, generatedSecrets, output } from "../harness";

const base: ManagedDatabaseArgs = {
  identifier: "scai-dev-scaidrive-mariadb",
  request: { engine: "mariadb", database: "scaidrive", username: "scaidrive" },
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-aaaa", "subnet-bbbb"],
  clientSecurityGroupId: "sg-nodes",
  vpcCidr: "10.0.0.0/16",
  production: false,
  backupRetentionDays: 1,
  rotation: "1",
};

const inputsOf = (r: Captured[], type: string) => r.filter(x => x.type === type).map(x => x.inputs);
const instance = (r: Captured[]) => inputsOf(r, "aws:rds/instance:Instance")[0];

describe("ManagedDatabase component (RDS)", () => {
  let dev: Captured[];
  let prod: Captured[];
  let devDb: ManagedDatabase;
  before(async () => {
    ({ resources: dev, result: devDb } = await evaluate("dev", () => new ManagedDatabase("db", base)));
    ({ resources: prod } = await evaluate("prod", () => new ManagedDatabase("db", {
      ...base, identifier: "scai-prod-scaidrive-mariadb", production: true, backupRetentionDays: 14,
      kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/db", protect: true,
    })));
  });

  it("MariaDB 10.11, private, encrypted, with its parameter group requiring utf8mb4 and TLS", () => {
    const db = instance(dev);
    assert.strictEqual(db.engine, "mariadb");
    assert.strictEqual(db.engineVersion, "10.11");
    assert.strictEqual(db.storageEncrypted, true);
    assert.strictEqual(db.publiclyAccessible, false);
    const [pg] = inputsOf(dev, "aws:rds/parameterGroup:ParameterGroup");
    assert.strictEqual(pg.family, "mariadb10.11");
    assert.deepStrictEqual(pg.parameters, [
      { name: "character_set_server", value: "utf8mb4" },
      { name: "collation_server", value: "utf8mb4_unicode_ci" },
      { name: "require_secure_transport", value: "1" },
    ]);
  });

  it("admits only the cluster nodes' security group, on 3306", () => {
    assert.deepStrictEqual(inputsOf(dev, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(r =>
      [r.referencedSecurityGroupId, r.ipProtocol, r.fromPort, r.toPort]), [["sg-nodes", "tcp", 3306, 3306]]);
  });

  it("dev keeps 1 day of backups in one zone and may be deleted; prod is Multi-AZ, protected, snapshotted, with PI and KMS", () => {
    const d = instance(dev), p = instance(prod);
    assert.deepStrictEqual([d.multiAz, d.backupRetentionPeriod, d.deletionProtection, d.skipFinalSnapshot, d.performanceInsightsEnabled],
      [false, 1, false, true, false]);
    assert.deepStrictEqual([p.multiAz, p.backupRetentionPeriod, p.deletionProtection, p.skipFinalSnapshot, p.finalSnapshotIdentifier, p.performanceInsightsEnabled, p.kmsKeyId],
      [true, 14, true, false, "scai-prod-scaidrive-mariadb-final", true, "arn:aws:kms:eu-west-1:123456789012:key/db"]);
  });

  it("the master password is generated, held only by the instance, and the connection URL stays secret", async () => {
    const [secret] = generatedSecrets(dev);
    assert.strictEqual(instance(dev).password, secret);
    for (const r of dev.filter(x => !["aws:rds/instance:Instance", "random:index/randomPassword:RandomPassword"].includes(x.type))) {
      assert.ok(!JSON.stringify(r.inputs).includes(secret), `${r.type} holds the password`);
    }
    const url = databaseUrl("mysql+asyncmy", devDb.connection);
    assert.ok(await pulumi.isSecret(url));
    assert.strictEqual(await output(url), `mysql+asyncmy://scaidrive:${secret}@scai-dev-scaidrive-mariadb.c0ffee.eu-west-1.rds.amazonaws.com:3306/scaidrive?ssl_check_hostname=false`);
    assert.strictEqual(devDb.connection.tls, true);
    assert.deepStrictEqual(devDb.connection.access.egress, { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 3306 }] });
  });

  it("PostgreSQL 16 forces SSL; a read replica follows the primary when asked for", async () => {
    const { resources, result } = await evaluate("dev", () => new ManagedDatabase("db", {
      ...base, identifier: "scai-dev-hridaai-postgres", request: { engine: "postgres", database: "hridaai", username: "hridaai", readReplica: true },
    }));
    const [pg] = inputsOf(resources, "aws:rds/parameterGroup:ParameterGroup");
    assert.deepStrictEqual([pg.family, pg.parameters], ["postgres16", [{ name: "rds.force_ssl", value: "1" }]]);
    const reader = inputsOf(resources, "aws:rds/instance:Instance").find(i => i.replicateSourceDb);
    assert.strictEqual(reader.replicateSourceDb, "scai-dev-hridaai-postgres");
    assert.strictEqual(await output(result.connection.readerHost!), "scai-dev-hridaai-postgres-reader.c0ffee.eu-west-1.rds.amazonaws.com");
  });

  it("passes the policy pack's RDS rules on prod, and a dev-shaped instance on prod is refused", () => {
    const rds = (r: Captured[]) => evaluateRules(allRules, fromCaptured(r), policyContext("prod")).filter(f => f.rule.startsWith("rds-"));
    assert.deepStrictEqual(rds(prod), []);
    const refused = rds(dev);
    assert.deepStrictEqual([...new Set(refused.map(f => `${f.level} ${f.rule}`))], ["mandatory rds-prod-resilience"]);
    assert.deepStrictEqual(refused.map(f => f.message.replace(/^RDS instance [^:]+: /, "")).sort(),
      ["backupRetentionPeriod is 1, needs >= 7 days", "deletionProtection is not true", "multiAz is not true"]);
  });
});
