import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ManagedRedis, ManagedRedisArgs, redisUrl } from "@scai/platform-components";
import { allRules, evaluateRules, policyContext } from "../../policy/rules/index";
import { fromCaptured } from "../policy/fixtures";
import { Captured, evaluate, generatedSecrets, output } from "../harness";

const base: ManagedRedisArgs = {
  replicationGroupId: "scai-dev-scaisend-redis",
  request: {},
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-aaaa", "subnet-bbbb"],
  clientSecurityGroupId: "sg-nodes",
  vpcCidr: "10.0.0.0/16",
  production: false,
  rotation: "1",
};

const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const inputsOf = (r: Captured[], type: string) => r.filter(x => x.type === type).map(x => x.inputs);
const group = (r: Captured[]) => inputsOf(r, GROUP)[0];

describe("ManagedRedis component (ElastiCache)", () => {
  let dev: Captured[];
  let prod: Captured[];
  let devRedis: ManagedRedis;
  before(async () => {
    ({ resources: dev, result: devRedis } = await evaluate("dev", () => new ManagedRedis("redis", base)));
    ({ resources: prod } = await evaluate("prod", () => new ManagedRedis("redis", {
      ...base, replicationGroupId: "scai-prod-scaisend-redis", production: true,
      kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/redis",
    })));
  });

  it("Redis 7.1 on port 6379 with a redis7 parameter group that never evicts queued jobs", () => {
    const g = group(dev);
    assert.deepStrictEqual([g.engine, g.engineVersion, g.port, g.nodeType], ["redis", "7.1", 6379, "cache.t4g.small"]);
    const [pg] = inputsOf(dev, "aws:elasticache/parameterGroup:ParameterGroup");
    assert.strictEqual(pg.family, "redis7");
    assert.deepStrictEqual(pg.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
    // Auto-named, so a family change (redis7 -> valkey8) creates and attaches the new group before deleting the old.
    assert.strictEqual(pg.name, undefined);
    assert.strictEqual(g.parameterGroupName, "redis-a1b2c3d");
    assert.strictEqual(g.subnetGroupName, "scai-dev-scaisend-redis");
    assert.deepStrictEqual(inputsOf(dev, "aws:elasticache/subnetGroup:SubnetGroup")[0].subnetIds, ["subnet-aaaa", "subnet-bbbb"]);
  });

  it("encrypts at rest and in transit and requires the generated auth token", () => {
    const [token] = generatedSecrets(dev);
    const [pw] = inputsOf(dev, PASSWORD);
    assert.deepStrictEqual([pw.length, pw.special, pw.keepers], [64, false, { rotation: "1" }]);
    const g = group(dev);
    assert.deepStrictEqual([g.atRestEncryptionEnabled, g.transitEncryptionEnabled], [true, true]);
    assert.strictEqual(g.authToken, token);
  });

  it("admits only the cluster nodes' security group, on 6379", () => {
    assert.deepStrictEqual(inputsOf(dev, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(r =>
      [r.referencedSecurityGroupId, r.ipProtocol, r.fromPort, r.toPort]), [["sg-nodes", "tcp", 6379, 6379]]);
    assert.deepStrictEqual(group(dev).securityGroupIds, ["redis-id"]);
  });

  it("dev runs one node without failover; prod runs two across zones with automatic failover and its KMS key", () => {
    const d = group(dev), p = group(prod);
    assert.deepStrictEqual([d.numCacheClusters, d.automaticFailoverEnabled, d.multiAzEnabled, d.kmsKeyId, d.applyImmediately],
      [1, false, false, undefined, true]);
    assert.deepStrictEqual([p.numCacheClusters, p.automaticFailoverEnabled, p.multiAzEnabled, p.kmsKeyId, p.applyImmediately],
      [2, true, true, "arn:aws:kms:eu-west-1:123456789012:key/redis", false]);
  });

  it("prod keeps a week of daily snapshots in a window clear of maintenance; dev none; both end in a final snapshot named per replacement", () => {
    const d = group(dev), p = group(prod);
    assert.deepStrictEqual([d.snapshotRetentionLimit, d.snapshotWindow], [0, undefined]);
    assert.deepStrictEqual([p.snapshotRetentionLimit, p.snapshotWindow, p.maintenanceWindow], [7, "02:00-03:00", "sun:04:00-sun:05:00"]);
    for (const [r, id] of [[dev, "scai-dev-scaisend-redis"], [prod, "scai-prod-scaisend-redis"]] as const) {
      const suffix = r.find(x => x.type === "random:index/randomId:RandomId")!;
      assert.strictEqual(group(r).finalSnapshotIdentifier, `${id}-final-${suffix.state.hex}`);
      assert.deepStrictEqual(Object.keys(suffix.inputs.keepers).sort(), ["kmsKeyId", "replicationGroupId"]);
    }
  });

  it("refuses a replication group id ElastiCache would refuse, before registering anything (41 characters, a leading digit)", () => {
    assert.throws(() => new ManagedRedis("long", { ...base, replicationGroupId: `scai-${"x".repeat(30)}-redis` }),
      /ElastiCache replication group id "scai-x{30}-redis" must .* at most 40 characters: shorten the environment or instance name/);
    assert.throws(() => new ManagedRedis("digit", { ...base, replicationGroupId: "1scai-redis" }), /must start with a letter/);
  });

  it("a rotated auth token revokes the old one (SET, not ROTATE)", () => {
    assert.deepStrictEqual([group(dev).authTokenUpdateStrategy, group(prod).authTokenUpdateStrategy], ["SET", "SET"]);
  });

  it("the auth token is held only by the replication group, and the connection URL stays secret", async () => {
    const [token] = generatedSecrets(dev);
    for (const r of dev.filter(x => ![GROUP, PASSWORD].includes(x.type))) {
      assert.ok(!JSON.stringify(r.inputs).includes(token), `${r.type} holds the auth token`);
    }
    const url = redisUrl(devRedis.connection);
    assert.ok(await pulumi.isSecret(url));
    assert.strictEqual(await output(url), `rediss://:${token}@master.scai-dev-scaisend-redis.c0ffee.euw1.cache.amazonaws.com:6379/0`);
    assert.strictEqual(devRedis.connection.tls, true);
    assert.deepStrictEqual(devRedis.connection.access.egress, { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 6379 }] });
  });

  it("passes the policy pack's elasticache-encryption-auth rule, and a group without TLS is refused", () => {
    const elasticache = (r: Captured[]) =>
      evaluateRules(allRules, fromCaptured(r), policyContext("prod")).filter(f => f.rule === "elasticache-encryption-auth");
    assert.deepStrictEqual(elasticache(dev), []);
    assert.deepStrictEqual(elasticache(prod), []);
    const plain = prod.map(r => r.type === GROUP ? { ...r, inputs: { ...r.inputs, transitEncryptionEnabled: false } } : r);
    assert.deepStrictEqual(elasticache(plain).map(f => `${f.level} ${f.message}`),
      ["mandatory ElastiCache scai-prod-scaisend-redis: in-transit encryption is off"]);
  });
});
