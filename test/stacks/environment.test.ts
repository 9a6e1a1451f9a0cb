import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { isField, SYSTEM_NAMES } from "@scai/platform-components";
import { mapConfigSource } from "../../platform/config-source";
import { ConfigError, allConfigKeys, loadEnvironment, stackSchema } from "../../platform/environment";
import { deployPlatform } from "../../platform/platform";
import { CONFIG_DOC, PULUMI_YAML, configBlock, sharedDefault, withTable } from "../../tools/config-sync";
import { PROJECT, evaluate, exampleSecrets, UNSET, stackConfig, stackSource } from "../harness";

/** How a message lists the systems a stack may deploy. */
const SYSTEM_CHOICES = SYSTEM_NAMES.map(n => JSON.stringify(n)).join(", ");

/** The ConfigError a config produces, or a failure when it loads. */
function problemsOf(stack: string, overrides: Record<string, string>): string[] {
  try {
    loadEnvironment(stackSource(stack, overrides));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail(`config ${JSON.stringify(overrides)} on ${stack} was accepted`);
}

describe("stack config: profiles and defaults", () => {
  it("local renders manifests to rendered/local with in-cluster data services and nothing protected", () => {
    const env = loadEnvironment(stackSource("local"));
    assert.strictEqual(env.profile, "local");
    assert.strictEqual(env.namespace, "scai-local");
    assert.deepStrictEqual(env.kubernetes, { mode: "render", directory: "rendered/local" });
    assert.strictEqual(env.dataServices, "in-cluster");
    assert.strictEqual(env.protect, false);
    assert.strictEqual(env.systems.scaidrive?.api.replicas, 1);
  });

  it("prod protects stateful resources, applies to a cluster and keeps ScaiDrive's required numbers", () => {
    const env = loadEnvironment(stackSource("prod"));
    assert.strictEqual(env.profile, "prod");
    assert.strictEqual(env.namespace, "scai-prod");
    assert.strictEqual(env.protect, true);
    assert.strictEqual(env.kubernetes.mode, "cluster");
    assert.strictEqual(env.ingress.clusterIssuer, "letsencrypt-prod");
    assert.strictEqual(env.systems.scaidrive?.api.replicas, 3);
    assert.strictEqual(env.systems.scaidrive?.api.maxReplicas, 20);
    assert.strictEqual(env.systems.scaidrive?.corsOrigins, "https://drive.scai.example.com");
  });

  it("a stack not named for a profile takes the profile from config", () => {
    const env = loadEnvironment(mapConfigSource(PROJECT, "staging", { ...stackConfig("prod"), profile: "prod" }, exampleSecrets("prod")));
    assert.strictEqual(env.profile, "prod");
    assert.strictEqual(env.namespace, "scai-staging");
  });

  it("a kubeconfig on local switches from rendering to applying", () => {
    const env = loadEnvironment(stackSource("local", { "kubernetes.context": "kind-scai" }));
    assert.deepStrictEqual(env.kubernetes, { mode: "cluster", kubeconfig: undefined, context: "kind-scai" });
  });

  it("only enabled systems are read: a disabled system's required keys are not demanded", () => {
    const env = loadEnvironment(stackSource("dev", { systems: '["scaidrive"]' }));
    assert.deepStrictEqual(Object.keys(env.systems), ["scaidrive"]);
  });
});

describe("stack config: Pulumi.yaml declares what the engine can enforce", () => {
  const declared = (yaml.load(fs.readFileSync(PULUMI_YAML, "utf8")) as { config: Record<string, { type?: string; description?: string; default?: unknown; secret?: boolean }> }).config;

  it("each area and system is an object defaulting to the empty mapping; a scalar only with the default every profile shares", () => {
    const schema = stackSchema();
    for (const [key, node] of Object.entries(schema)) {
      const d = declared[key];
      if (!isField(node)) assert.deepStrictEqual(d, { type: "object", description: d?.description, default: {} }, key);
      else if (sharedDefault(node) === undefined) assert.strictEqual(d, undefined, `${key} is declared with a default the profiles do not share`);
      else assert.deepStrictEqual([d.type, d.default], [node.type, sharedDefault(node)], key);
    }
    assert.deepStrictEqual(Object.keys(declared).filter(k => !(k in schema)), []);
  });

  it("no fake defaults: no empty string or empty list stands in for 'not set', and nothing is declared secret", () => {
    for (const [key, d] of Object.entries(declared)) {
      assert.ok(d.default !== "" && !(Array.isArray(d.default) && d.default.length === 0), `${key} defaults to ${JSON.stringify(d.default)}`);
      assert.ok(!d.secret, key);
    }
  });

  it("the engine's view (stack file plus Pulumi.yaml defaults) loads to the same environment as the stack file alone", () => {
    const show = (env: unknown) => JSON.stringify(env, (_k, v) => (pulumi.Output.isInstance(v) ? "<output>" : v));
    for (const stack of ["local", "dev", "prod"]) {
      const file = stackConfig(stack);
      const injected: Record<string, string> = {};
      for (const [key, v] of Object.entries(declared)) {
        if (Object.keys(file).some(k => k === key || k.startsWith(`${key}.`))) continue;
        injected[key] = typeof v.default === "string" ? v.default : JSON.stringify(v.default);
      }
      const engineView = loadEnvironment(mapConfigSource(PROJECT, stack, { ...injected, ...file }, exampleSecrets(stack)));
      assert.strictEqual(show(engineView), show(loadEnvironment(stackSource(stack))), `stack ${stack}`);
    }
  });

  it("the block is byte-for-byte what `npm run config:sync` writes", () => {
    const text = fs.readFileSync(PULUMI_YAML, "utf8");
    assert.strictEqual(text.slice(text.indexOf("config:\n")), configBlock());
  });

  it("docs/configuration.md's reference is the one `npm run config:sync` writes, with every key", () => {
    const doc = fs.readFileSync(CONFIG_DOC, "utf8");
    assert.strictEqual(doc, withTable(doc));
    for (const [key] of allConfigKeys()) assert.ok(doc.includes(`| \`${key}\` |`), key);
  });
});

/** The cluster facts given as config instead of a cluster stack. */
const EXPLICIT_NETWORK: Record<string, string> = {
  "aws.vpcId": "vpc-0123456789abcdef0",
  "aws.vpcCidr": "10.0.0.0/16",
  "aws.privateSubnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  "aws.nodeSecurityGroupId": "sg-0123456789abcdef0",
  "aws.oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
  "aws.oidcProviderUrl": "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
};

describe("stack config: bad input fails early with one clear message", () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ["a word for a number", "dev", { "scaidrive.api.replicas": "three" },
      'scai-platform:scaidrive.api.replicas must be an integer >= 1 (got "three")'],
    ["zero replicas", "dev", { "scaidrive.api.replicas": "0" },
      "scai-platform:scaidrive.api.replicas must be an integer >= 1 (got 0)"],
    ["an unknown system", "dev", { systems: '["scaidrive","scaimail"]' },
      `scai-platform:systems must be a list of ${SYSTEM_CHOICES} with at least 1 item, without duplicates (got [scaidrive, scaimail]: "scaimail" is not one of them)`],
    ["two unknown systems", "dev", { systems: '["scaimail","scaidrive","scaichat"]' },
      `scai-platform:systems must be a list of ${SYSTEM_CHOICES} with at least 1 item, without duplicates (got [scaimail, scaidrive, scaichat]: "scaimail", "scaichat" are not among them)`],
    ["systems not given as a list", "dev", { systems: "scaidrive" },
      `scai-platform:systems must be a list of ${SYSTEM_CHOICES} with at least 1 item, without duplicates (got "scaidrive", a single value, not a list)`],
    ["a malformed domain", "dev", { domain: "not a domain" },
      'scai-platform:domain must be a DNS hostname such as drive.example.com (got "not a domain")'],
    ["ScaiKey over plain http", "dev", { "scaikey.url": "http://scaikey.example.com" },
      'scai-platform:scaikey.url must be an https:// URL (got "http://scaikey.example.com")'],
    ["an image without a tag", "dev", { "scaidrive.image": "scailabs/scaidrive" },
      'scai-platform:scaidrive.image must be an image reference with a tag or digest'],
    ["latest on prod", "prod", { "scaidrive.image": "scailabs/scaidrive:latest" },
      'scai-platform:scaidrive.image must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "scailabs/scaidrive:latest")'],
    ["memory in GB", "dev", { "scaidrive.api.memory": "4GB" },
      'scai-platform:scaidrive.api.memory must be a memory quantity such as "512Mi" or "4Gi" (got "4GB")'],
    ["CPU as a word", "dev", { "scaidrive.workers.cpu": "two" },
      'scai-platform:scaidrive.workers.cpu must be a CPU quantity such as "250m" or "2" (got "two")'],
    ["yes for a boolean", "dev", { protect: "yes" },
      'scai-platform:protect must be true or false (got "yes")'],
    ["an unknown data-service kind", "dev", { dataServices: "gcp" },
      'scai-platform:dataServices must be one of "in-cluster", "aws" (got "gcp")'],
    ["managed data services with neither a cluster stack nor the VPC", "dev", { "kubernetes.clusterStack": UNSET, ...EXPLICIT_NETWORK, "aws.vpcId": UNSET },
      "scai-platform:aws.vpcId must be a VPC id such as vpc-0123456789abcdef0 when dataServices is \"aws\" and no kubernetes.clusterStack provides it (got nothing)"],
    ["one private subnet", "dev", { "aws.privateSubnetIds": '["subnet-0123456789abcdef0"]' },
      "scai-platform:aws.privateSubnetIds must be a list of subnet ids such as subnet-0123456789abcdef0 with at least 2 items, without duplicates (got [subnet-0123456789abcdef0]: 1 item)"],
    ["a region that is not one", "dev", { "aws.region": "europe" },
      'scai-platform:aws.region must be an AWS region such as eu-west-1 (got "europe")'],
    ["replication into the same region", "prod", { "aws.region": "eu-central-1" },
      'scai-platform:aws.replicaRegion must be a region other than aws.region (got "eu-central-1")'],
    ["a day of backups on prod", "prod", { "aws.database.backupRetentionDays": "1" },
      "scai-platform:aws.database.backupRetentionDays must be an integer >= 7 on prod (got 1)"],
    ["a malformed VPC CIDR", "dev", { "aws.vpcCidr": "10.0.0.0/33" },
      'scai-platform:aws.vpcCidr must be an IPv4 CIDR such as 10.0.0.0/16 (got "10.0.0.0/33")'],
    ["a queue listed twice", "dev", { "scaidrive.workers.queues": '["high","high"]' },
      'scai-platform:scaidrive.workers.queues must be a list of DNS labels with at least 1 item, without duplicates (got [high, high]: "high" listed more than once)'],
    ["HPA max below min", "dev", { "scaidrive.api.maxReplicas": "2" },
      "scai-platform:scaidrive.api.maxReplicas must be >= api.minReplicas (3) (got 2)"],
    ["the Prometheus scaler without a server", "dev", { "scaidrive.workers.scaler": "prometheus" },
      "scai-platform:scaidrive.workers.prometheusUrl and scai-platform:scaidrive.workers.prometheusQuery must both be set"],
    ["CORS * on prod", "prod", { "scaidrive.corsOrigins": "*" },
      'scai-platform:scaidrive.corsOrigins must list explicit origins on prod, not * (got "*")'],
    ["a namespace that is not a DNS label", "dev", { namespace: "Scai_Dev" },
      'scai-platform:namespace must be a DNS label (lowercase letters, digits and \'-\', at most 63 characters) (got "Scai_Dev")'],
    ["an unknown profile", "dev", { profile: "qa" },
      'scai-platform:profile must be one of "local", "dev", "prod" (got "qa")'],
  ];

  for (const [what, stack, overrides, message] of cases) {
    it(`${what} on ${stack} is refused, naming the key and the value`, () => {
      const problems = problemsOf(stack, overrides);
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0].startsWith(message), `got: ${problems[0]}`);
    });
  }

  it("a required key without a default on the profile is named with 'got nothing'", () => {
    const src = mapConfigSource(PROJECT, "dev", { "scaikey.url": "https://scaikey.example.com", dataServices: "in-cluster" });
    assert.throws(() => loadEnvironment(src), (e: ConfigError) =>
      e.problems.length === 1 &&
      e.problems[0] === "scai-platform:domain must be a DNS hostname such as drive.example.com (got nothing; it has no default on the dev profile)");
  });

  it("a stack named for no profile, without `profile` set, is refused", () => {
    assert.throws(() => loadEnvironment(mapConfigSource(PROJECT, "staging", stackConfig("dev"))),
      /scai-platform:profile must be one of "local", "dev", "prod" \(got nothing, and the stack name "staging" is not a profile\)/);
  });

  it("several problems are reported together in one error", () => {
    const problems = problemsOf("dev", { protect: "maybe", "scaidrive.api.cpu": "lots" });
    assert.deepStrictEqual(problems.map(p => p.split(" must ")[0]), ["scai-platform:protect", "scai-platform:scaidrive.api.cpu"]);
  });

  it("nothing is registered when the config is bad", async () => {
    const { result, resources } = await evaluate("dev", () => {
      try {
        return deployPlatform(loadEnvironment(stackSource("dev", { "scaidrive.api.replicas": "three" })));
      } catch (e) {
        return e;
      }
    });
    assert.ok(result instanceof ConfigError);
    assert.strictEqual(resources.length, 0);
  });
});
