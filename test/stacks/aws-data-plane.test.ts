/**
 * dev and prod get their data services from AWS (issue 4): RDS, ElastiCache, S3 with IRSA and
 * Secrets Manager copies, wired through the same DataPlane interface as local. These tests read
 * the whole program's capture for both stacks and compare them.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { contextDigest } from "@scai/platform-components";
import { loadEnvironment } from "../../platform/environment";
import { buildTag } from "../../platform/aws-data";
import {
  Captured, MOCK_ACCOUNT, StackEvaluation, captured, dependsOn, evaluateStack, generatedSecrets, isSecretValue, mockClusterNetwork,
  named, ofKind, output, stackSource, UNSET,
} from "../harness";

const T = {
  rds: "aws:rds/instance:Instance",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  bucket: "aws:s3/bucket:Bucket",
  replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  kms: "aws:kms/key:Key",
  provider: "pulumi:providers:aws",
};

const of = (r: Captured[], type: string) => r.filter(x => x.type === type);
const one = (r: Captured[], type: string, pred: (i: any) => boolean) => {
  const found = of(r, type).filter(x => pred(x.inputs));
  assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0];
};

/** Names an AWS resource is known by outside this stack (identifiers, bucket and role names, paths, aliases). */
function physicalNames(r: Captured[]): string[] {
  return r.filter(x => x.type.startsWith("aws:"))
    .flatMap(x => [x.inputs.bucket, x.inputs.identifier, x.inputs.replicationGroupId, x.inputs.name, x.inputs.finalSnapshotIdentifier])
    .filter((n): n is string => typeof n === "string");
}

/** The environment's random bucket-name suffix, as the mocked RandomId gave it. */
function suffix(e: StackEvaluation): string {
  return e.resources.find(x => x.type === "random:index/randomId:RandomId" && x.name === "bucket-name-suffix")!.state.hex;
}

describe("AWS data plane on dev and prod", () => {
  let dev: StackEvaluation;
  let prod: StackEvaluation;
  /** A bucket's physical name: readable part and the environment's suffix. */
  let bucketOf: (e: StackEvaluation, readable: string) => string;
  before(async () => {
    // One after the other: the mocks are global, so two evaluations at once would share a monitor.
    dev = await evaluateStack("dev");
    prod = await evaluateStack("prod");
    bucketOf = (e, readable) => `${readable}-${suffix(e)}`;
  });

  it("every system database is RDS with the system's engine; dev is single-AZ with a day of backups, prod Multi-AZ with 14, protected", () => {
    const engines = (e: StackEvaluation) => of(e.resources, T.rds).filter(x => !x.inputs.replicateSourceDb)
      .map(x => `${x.inputs.identifier} ${x.inputs.engine} ${x.inputs.engineVersion}`).sort();
    assert.deepStrictEqual(engines(dev), [
      "scai-dev-hridaai-postgres postgres 16", "scai-dev-scaidrive-mariadb mariadb 10.11", "scai-dev-scaisend-mysql mysql 8.4",
    ]);
    for (const db of of(dev.resources, T.rds)) {
      const i = db.inputs;
      assert.deepStrictEqual([i.multiAz, i.backupRetentionPeriod, i.deletionProtection, i.skipFinalSnapshot, db.protect], [false, 1, false, false, false], i.identifier);
      assert.match(i.finalSnapshotIdentifier, new RegExp(`^${i.identifier}-final-[0-9a-f]{8}$`));
      assert.deepStrictEqual([i.storageEncrypted, i.publiclyAccessible, i.kmsKeyId], [true, false, undefined], i.identifier);
    }
    const key = prod.resources.find(x => x.type === T.kms && x.name === "data")!;
    for (const db of of(prod.resources, T.rds)) {
      const i = db.inputs;
      assert.deepStrictEqual([i.multiAz, i.backupRetentionPeriod, i.deletionProtection, i.skipFinalSnapshot, db.protect], [true, 14, true, false, true], i.identifier);
      assert.match(i.finalSnapshotIdentifier, new RegExp(`^${i.identifier}-final-[0-9a-f]{8}$`));
      assert.strictEqual(i.performanceInsightsEnabled, true);
      assert.strictEqual(i.kmsKeyId, key.state.arn);
    }
  });

  it("every system Redis is ElastiCache: one node on dev, two with failover across zones on prod, never evicting, daily snapshots on prod", () => {
    const groups = (e: StackEvaluation) => of(e.resources, T.redis).map(x => x.inputs).sort((a, b) => a.replicationGroupId.localeCompare(b.replicationGroupId));
    assert.deepStrictEqual(groups(dev).map(g => g.replicationGroupId), ["scai-dev-hridaai-redis", "scai-dev-scaidrive-redis", "scai-dev-scaisend-redis"]);
    for (const g of groups(dev)) assert.deepStrictEqual([g.numCacheClusters, g.automaticFailoverEnabled, g.multiAzEnabled, g.snapshotRetentionLimit], [1, false, false, 0]);
    for (const g of groups(prod)) {
      assert.deepStrictEqual([g.numCacheClusters, g.automaticFailoverEnabled, g.multiAzEnabled, g.snapshotRetentionLimit], [2, true, true, 7]);
      assert.deepStrictEqual([g.atRestEncryptionEnabled, g.transitEncryptionEnabled], [true, true]);
    }
    // Never evicting; HridaAI's group also closes idle connections after 1800 s (test/systems/hridaai.test.ts).
    const params = of(dev.resources, "aws:elasticache/parameterGroup:ParameterGroup").map(x => x.inputs.parameters.filter((p: any) => p.name !== "timeout"));
    for (const p of params) assert.deepStrictEqual(p, [{ name: "maxmemory-policy", value: "noeviction" }]);
  });

  it("RA-HCP keeps its in-cluster Redis, reachable only from its backend", () => {
    assert.ok(!of(dev.resources, T.redis).some(x => x.inputs.replicationGroupId.includes("rahcp")));
    assert.strictEqual(named(dev.resources, "StatefulSet", "rahcp-redis").metadata.namespace, "scai-dev");
  });

  it("bucket names carry the environment's random suffix (unguessable, within 63 characters); aws.legacyBucketNames keeps the old ones", async () => {
    for (const e of [dev, prod]) assert.match(suffix(e), /^[0-9a-f]{8}$/);
    for (const e of [dev, prod]) {
      for (const b of of(e.resources, T.bucket)) {
        assert.match(b.inputs.bucket, new RegExp(`^scai-${e.env.stack}-[a-z]+-[a-z]+(-replica)?-${suffix(e)}$`));
        assert.ok(b.inputs.bucket.length <= 63, b.inputs.bucket);
      }
    }
    const legacy = await evaluateStack("prod", { "aws.legacyBucketNames": "true" });
    assert.ok(!legacy.resources.some(x => x.type === "random:index/randomId:RandomId" && x.name === "bucket-name-suffix"));
    assert.deepStrictEqual(of(legacy.resources, T.bucket).map(b => b.inputs.bucket).filter(n => n.includes("scaidrive")).sort(),
      ["scai-prod-scaidrive-files", "scai-prod-scaidrive-files-replica"]);
  });

  it("buckets: KMS and cross-region replication on prod only; the replica keeps the same lifecycle", () => {
    assert.deepStrictEqual(of(dev.resources, T.replication), []);
    assert.deepStrictEqual(of(dev.resources, T.kms), []);
    for (const sse of of(dev.resources, T.sse)) assert.strictEqual(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");

    const keys = of(prod.resources, T.kms);
    assert.strictEqual(keys.length, 2, "one key per region");
    assert.ok(keys.every(k => k.inputs.enableKeyRotation === true && k.protect));
    const files = bucketOf(prod, "scai-prod-scaidrive-files"), filesReplica = bucketOf(prod, "scai-prod-scaidrive-files-replica");
    const replication = one(prod.resources, T.replication, i => i.bucket === files);
    assert.strictEqual(replication.inputs.rules[0].destination.bucket, `arn:aws:s3:::${filesReplica}`);
    const replica = one(prod.resources, T.bucket, i => i.bucket === filesReplica);
    const providers = of(prod.resources, T.provider).map(p => p.inputs.region).sort();
    assert.deepStrictEqual(providers, ["eu-central-1", "eu-west-1"]);
    assert.ok(replica.urn.length > 0);
    const lifecycle = (b: string) => one(prod.resources, T.lifecycle, i => i.bucket === b).inputs.rules;
    assert.deepStrictEqual(lifecycle(filesReplica), lifecycle(files));
    const uploads = lifecycle(files).find((r: any) => r.filter.prefix === "uploads/");
    assert.deepStrictEqual(uploads.expiration, { days: 2 });
    assert.ok(!lifecycle(files).some((r: any) => r.filter.prefix === "chunks/"), "chunks/ never expire");
    for (const b of of(prod.resources, T.bucket)) assert.ok(b.protect, `${b.inputs.bucket} is not protected`);
  });

  it("each IRSA role is trusted only by its system's ServiceAccounts in its namespace, and allowed only its bucket", async () => {
    const net = mockClusterNetwork("scailabs/eks-cluster/prod");
    const issuer = net.oidcProviderUrl.replace("https://", "");
    for (const [system, purpose, accounts] of [
      ["scaidrive", "files", ["scaidrive-api", "scaidrive-worker-high", "scaidrive-worker-medium", "scaidrive-worker-low"]],
      ["hridaai", "uploads", ["hridaai-web"]],
    ] as const) {
      const role = one(prod.resources, T.role, i => i.name === `scai-prod-${system}-${purpose}-s3`);
      const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
      assert.strictEqual(trust.Principal.Federated, net.oidcProviderArn);
      assert.deepStrictEqual(trust.Condition.StringEquals[`${issuer}:sub`], accounts.map(a => `system:serviceaccount:scai-prod:${a}`));
      const policy = one(prod.resources, T.rolePolicy, i => i.role === `${role.name}-id` || i.role === role.state.name || i.role === role.inputs.name);
      const arn = `arn:aws:s3:::${bucketOf(prod, `scai-prod-${system}-${purpose}`)}`;
      const resources = JSON.parse(policy.inputs.policy).Statement.flatMap((s: any) => s.Resource);
      const s3 = resources.filter((r: string) => r.startsWith("arn:aws:s3"));
      assert.deepStrictEqual([...new Set(s3)].sort(), [arn, `${arn}/*`]);
      assert.ok(resources.every((r: string) => !r.includes("*") || r === `${arn}/*`), JSON.stringify(resources));
    }
  });

  it("generated credentials reach AWS only as secrets, and the Secrets Manager copies live under the environment's path", () => {
    for (const e of [dev, prod]) {
      const secrets = generatedSecrets(e.resources);
      for (const db of of(e.resources, T.rds).filter(x => !x.inputs.replicateSourceDb)) {
        assert.ok(secrets.includes(db.inputs.password) && isSecretValue(db.rawInputs.password), db.inputs.identifier);
      }
      for (const g of of(e.resources, T.redis)) assert.ok(secrets.includes(g.inputs.authToken) && isSecretValue(g.rawInputs.authToken));
      const paths = of(e.resources, T.secret).map(s => s.inputs.name).sort();
      assert.deepStrictEqual(paths, ["hridaai-env", "novitai-env", "rahcp-env", "scaidrive-env", "scaisend-env"].map(n => `scai/${e.env.stack}/${n}`));
      for (const v of of(e.resources, T.secretVersion)) assert.ok(isSecretValue(v.rawInputs.secretString));
    }
    const copy = JSON.parse(of(dev.resources, T.secretVersion).find(v => v.name === "scaidrive-env-mirror")!.inputs.secretString);
    assert.match(copy.SCAIDRIVE_DATABASE_URL, /^mysql\+asyncmy:\/\/scaidrive:/);
    assert.strictEqual(copy.SCAIDRIVE_ENCRYPTION_KEY.length, 32);
    // dev can be torn down and rebuilt under the same names; prod keeps a deleted secret restorable.
    assert.deepStrictEqual([...new Set(of(dev.resources, T.secret).map(s => s.inputs.recoveryWindowInDays))], [0]);
    assert.deepStrictEqual([...new Set(of(prod.resources, T.secret).map(s => s.inputs.recoveryWindowInDays))], [30]);
  });

  it("static S3 keys exist only because the stack asks for them, scoped like the role, and stay secret in the app Secret", async () => {
    const keyed = await evaluateStack("dev", { "aws.staticBucketKeys": "false", systems: '["hridaai"]' });
    assert.deepStrictEqual(of(keyed.resources, "aws:iam/accessKey:AccessKey"), []);
    assert.strictEqual(named(keyed.resources, "Secret", "hridaai-env").stringData.S3_ACCESS_KEY_ID, undefined);
    const policy = one(dev.resources, T.userPolicy, i => i.user === "scai-dev-scaidrive-files-s3-user").inputs.policy;
    const s3 = JSON.parse(policy).Statement.flatMap((s: any) => s.Resource);
    const files = bucketOf(dev, "scai-dev-scaidrive-files");
    assert.deepStrictEqual(s3, [`arn:aws:s3:::${files}`, `arn:aws:s3:::${files}/*`]);
    assert.ok(isSecretValue(captured(dev.resources, named(dev.resources, "Secret", "scaidrive-env")).rawInputs.stringData));
  });

  it("ScaiDrive without static keys on AWS is refused before anything is registered (ScaiDrive requires them)", () => {
    assert.throws(() => loadEnvironment(stackSource("dev", { "aws.staticBucketKeys": "false" })),
      /scai-platform:aws\.staticBucketKeys must be true while ScaiDrive is deployed on AWS/);
  });

  it("a dev and a prod evaluation share no physical name", () => {
    const d = new Set(physicalNames(dev.resources));
    const shared = physicalNames(prod.resources).filter(n => d.has(n));
    assert.deepStrictEqual(shared, []);
    assert.ok(d.size >= 20, `only ${d.size} names`);
  });

  it("slow services are siblings: no database, Redis or bucket waits for another", () => {
    const slow = [...of(prod.resources, T.rds), ...of(prod.resources, T.redis), ...of(prod.resources, T.bucket)];
    for (const a of slow) for (const b of slow) if (a !== b) assert.ok(!dependsOn(a, b) || a.inputs.replicateSourceDb, `${a.name} waits for ${b.name}`);
  });

  it("ScaiDrive's pods wait for their own database, Redis, bucket and Secret, and not another system's", () => {
    const api = captured(dev.resources, named(dev.resources, "Deployment", "scaidrive-api"));
    const job = captured(dev.resources, ofKind(dev.resources, "Job").find(j => j.metadata.name.startsWith("scaidrive-migrate-")));
    const deps = [...api.dependencies, ...job.dependencies];
    const urnOf = (type: string, pred: (i: any) => boolean) => one(dev.resources, type, pred).urn;
    assert.ok(job.dependencies.includes(urnOf(T.rds, i => i.identifier === "scai-dev-scaidrive-mariadb")), "migrate waits for RDS");
    assert.ok(api.dependencies.includes(urnOf(T.redis, i => i.replicationGroupId === "scai-dev-scaidrive-redis")), "api waits for Redis");
    assert.ok(api.dependencies.includes(job.urn), "api waits for the migration");
    for (const other of ["scaisend", "hridaai"]) assert.ok(!deps.some(u => u.includes(`scai-dev-${other}`)), `ScaiDrive waits for ${other}`);
  });

  it("the cluster facts can be given as config instead of a cluster stack", async () => {
    const explicit = {
      "kubernetes.clusterStack": UNSET,
      "aws.vpcId": "vpc-0123456789abcdef0",
      "aws.vpcCidr": "10.9.0.0/16",
      "aws.privateSubnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
      "aws.nodeSecurityGroupId": "sg-0123456789abcdef0",
      "aws.oidcProviderArn": `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC`,
      "aws.oidcProviderUrl": "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
      systems: '["scaidrive"]',
    };
    const e = await evaluateStack("dev", explicit);
    assert.deepStrictEqual(of(e.resources, "pulumi:pulumi:StackReference"), []);
    assert.deepStrictEqual(one(e.resources, "aws:rds/subnetGroup:SubnetGroup", () => true).inputs.subnetIds, ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
    const rule = one(e.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", i => i.fromPort === 3306).inputs;
    assert.deepStrictEqual([rule.referencedSecurityGroupId, rule.cidrIpv4], ["sg-0123456789abcdef0", undefined]);
    const np = named(e.resources, "NetworkPolicy", "scaidrive-api");
    assert.ok(np.spec.egress.some((r: any) => r.to[0].ipBlock?.cidr === "10.9.0.0/16"));
  });

  it("the stack outputs name endpoints and bucket ARNs but never carry a credential", async () => {
    const out = await output(pulumi.output(prod.outputs.systems.scaidrive!) as pulumi.Output<any>);
    assert.strictEqual(out.databaseHost, "scai-prod-scaidrive-mariadb.c0ffee.eu-west-1.rds.amazonaws.com");
    assert.strictEqual(out.redisHost, "master.scai-prod-scaidrive-redis.c0ffee.euw1.cache.amazonaws.com");
    assert.strictEqual(out.bucketArn, `arn:aws:s3:::${bucketOf(prod, "scai-prod-scaidrive-files")}`);
    const text = JSON.stringify(await output(pulumi.output(prod.outputs) as pulumi.Output<any>));
    for (const s of generatedSecrets(prod.resources)) assert.ok(!text.includes(s));
  });

  it("every AWS resource carries the environment through the provider's default tags", () => {
    for (const e of [dev, prod]) {
      for (const p of of(e.resources, T.provider)) {
        // Provider inputs travel JSON-encoded.
        assert.deepStrictEqual(JSON.parse(p.inputs.defaultTags), { tags: { "scai:environment": e.env.stack, "scai:project": "scai-platform" } });
      }
    }
  });
});

describe("images built from source into ECR (images.build)", () => {
  it("the build is pushed under the configured tag, whether or not a digest follows it; a reference without a tag has none", () => {
    assert.strictEqual(buildTag("registry.local:5000/scai/app:1.4.2"), "1.4.2");
    assert.strictEqual(buildTag(`scailabs/scaidrive:1.4.2@sha256:${"0".repeat(64)}`), "1.4.2");
    assert.strictEqual(buildTag(`scailabs/scaidrive@sha256:${"0".repeat(64)}`), undefined);
    assert.strictEqual(buildTag("registry.local:5000/scai/app"), undefined);
  });

  let e: StackEvaluation;
  /** A build context root on disk: <root>/scaidrive/Dockerfile. */
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "scai-contexts-"));
  before(async () => {
    fs.mkdirSync(path.join(root, "scaidrive"));
    fs.writeFileSync(path.join(root, "scaidrive", "Dockerfile"), "FROM scratch\n");
    e = await evaluateStack("prod", { "images.build": '["scaidrive"]', "images.contextRoot": root, systems: '["scaidrive","novitai"]' });
  });

  it("ScaiDrive is built from <contextRoot>/scaidrive under its configured tag and the context's digest into an immutable, scanned ECR repository of prod", () => {
    const repo = one(e.resources, "aws:ecr/repository:Repository", () => true).inputs;
    assert.strictEqual(repo.name, "scai-prod-scaidrive");
    assert.deepStrictEqual([repo.imageTagMutability, repo.imageScanningConfiguration.scanOnPush], ["IMMUTABLE", true]);
    assert.strictEqual(repo.encryptionConfigurations[0].encryptionType, "KMS");
    const image = one(e.resources, "docker:index/image:Image", () => true).inputs;
    const digest = contextDigest("scai-prod-scaidrive", path.join(root, "scaidrive")).slice(0, 12);
    assert.strictEqual(image.imageName, `${MOCK_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/scai-prod-scaidrive:1.4.2-${digest}`);
    assert.strictEqual(image.build.context, path.join(root, "scaidrive"));
  });

  it("its pods run the pushed image by digest; Novitai keeps its configured image", () => {
    const digest = `${MOCK_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/scai-prod-scaidrive@sha256:${"0".repeat(64)}`;
    for (const d of ["scaidrive-api", "scaidrive-worker-high"]) {
      assert.strictEqual(named(e.resources, "Deployment", d).spec.template.spec.containers[0].image, digest);
    }
    const job = ofKind(e.resources, "Job").find(j => j.metadata.name.startsWith("scaidrive-migrate-"));
    assert.strictEqual(job.spec.template.spec.containers[0].image, digest);
    assert.strictEqual(named(e.resources, "Deployment", "novitai-api").spec.template.spec.containers[0].image, "scailabs/novitai:1.0.0");
  });

  it("is refused without AWS, and for a system that is not deployed", () => {
    assert.throws(() => loadEnvironment(stackSource("local", { "images.build": '["scaidrive"]' })),
      /scai-platform:images\.build must be empty unless dataServices is "aws", where the ECR repositories live \(got \["scaidrive"\]\)/);
    assert.throws(() => loadEnvironment(stackSource("dev", { "images.build": '["hridaai"]', systems: '["scaidrive"]' })),
      /scai-platform:images\.build must list only deployed systems \(got \["hridaai"\], not in systems\)/);
  });
});
