import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { UNSET_MARKERS, mapConfigSource } from "../../stacks/config-source";
import { ConfigError, allConfigKeys, loadEnvironment } from "../../stacks/environment";
import { deployPlatform } from "../../stacks/platform";
import { PULUMI_YAML, README, configBlock, sharedDefault, withTable } from "../../stacks/config-sync";
import { PROJECT, evaluate, exampleSecrets, UNSET, stackConfig, stackSource } from "../harness";

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

  it("prod protects stateful resources, applies to a cluster and keeps the seed's ScaiDrive numbers", () => {
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

describe("stack config: Pulumi.yaml declares every key the code reads", () => {
  const declared = (yaml.load(fs.readFileSync(PULUMI_YAML, "utf8")) as { config: Record<string, { type?: string; default?: unknown }> }).config;
  /** A Pulumi.yaml default as the engine hands it to the program: strings as they are, the rest as JSON. */
  const raw = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

  it("the config: block has exactly the code's keys, with the same types (untyped only where no empty value exists)", () => {
    const fromCode = Object.fromEntries(allConfigKeys().map(([k, f]) => [k, f.type]));
    const fromYaml = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.type ?? "(untyped)"]));
    for (const [key, f] of allConfigKeys()) {
      if (fromYaml[key] !== "(untyped)") continue;
      assert.ok(["integer", "boolean"].includes(f.type) && sharedDefault(f) === undefined, `${key} is untyped but could be typed`);
      fromYaml[key] = f.type;
    }
    assert.deepStrictEqual(fromYaml, fromCode);
  });

  it("every key carries a default, so the engine demands none the code defaults (it requires each declared key without one)", () => {
    const without = Object.entries(declared).filter(([, v]) => !("default" in v) && !("value" in v)).map(([k]) => k);
    assert.deepStrictEqual(without, []);
  });

  it("a shared default in Pulumi.yaml is the code's; every other key defaults to an unset marker", () => {
    for (const [key, f] of allConfigKeys()) {
      const given = (declared[key] as { default: unknown }).default;
      const shared = sharedDefault(f);
      if (shared !== undefined) assert.deepStrictEqual(given, shared, key);
      else assert.ok(UNSET_MARKERS.includes(raw(given)), `${key} defaults to ${JSON.stringify(given)}`);
    }
  });

  it("the engine's view (stack file plus Pulumi.yaml defaults) loads to the same environment as the stack file alone", () => {
    const show = (env: unknown) => JSON.stringify(env, (_k, v) => (pulumi.Output.isInstance(v) ? "<output>" : v));
    for (const stack of ["local", "dev", "prod"]) {
      const secrets = exampleSecrets(stack);
      const file = stackConfig(stack);
      const injected: Record<string, string> = {};
      for (const [key, v] of Object.entries(declared) as Array<[string, { default: unknown }]>) {
        if (key in file || key in secrets) continue;
        injected[key] = raw(v.default);
      }
      const engineView = loadEnvironment(mapConfigSource(PROJECT, stack, { ...injected, ...file }, secrets));
      assert.strictEqual(show(engineView), show(loadEnvironment(stackSource(stack))), `stack ${stack}`);
    }
  });

  it("an empty value reads as unset: the profile's default applies", () => {
    const env = loadEnvironment(stackSource("prod", { "scaidrive.api.replicas": "", namespace: "", "scaidrive.workers.queues": "[]" }));
    assert.strictEqual(env.systems.scaidrive?.api.replicas, 3);
    assert.strictEqual(env.namespace, "scai-prod");
    assert.deepStrictEqual(env.systems.scaidrive?.workers.queues, ["high", "medium", "low"]);
  });

  it("the block is byte-for-byte what `npm run config:sync` writes", () => {
    const text = fs.readFileSync(PULUMI_YAML, "utf8");
    assert.strictEqual(text.slice(text.indexOf("config:\n")), configBlock());
  });

  it("the README's config reference is the one `npm run config:sync` writes", () => {
    const readme = fs.readFileSync(README, "utf8");
    assert.strictEqual(readme, withTable(readme));
  });

  it("every committed stack file sets only declared keys", () => {
    for (const stack of ["local", "dev", "prod"]) {
      for (const key of Object.keys(stackConfig(stack))) {
        assert.ok(key in declared, `Pulumi.${stack}.yaml sets undeclared key ${key}`);
      }
    }
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
      'scai-platform:scaidrive.api.replicas must be an integer >= 1 (got "0")'],
    ["an unknown system", "dev", { systems: '["scaidrive","scaimail"]' },
      'scai-platform:systems must be a JSON array of "scaidrive"'],
    ["systems not given as a JSON array", "dev", { systems: "scaidrive" },
      'scai-platform:systems must be a JSON array of "scaidrive"'],
    ["a malformed domain", "dev", { domain: "not a domain" },
      'scai-platform:domain must be a DNS hostname such as drive.example.com (got "not a domain")'],
    ["ScaiKey over plain http", "dev", { "scaikey.url": "http://scaikey.example.com" },
      'scai-platform:scaikey.url must be an https:// URL (got "http://scaikey.example.com")'],
    ["an image without a tag", "dev", { "scaidrive.image": "scailabs/scaidrive" },
      'scai-platform:scaidrive.image must be an image reference with a tag or digest'],
    ["latest on prod", "prod", { "scaidrive.image": "scailabs/scaidrive:latest" },
      'scai-platform:scaidrive.image must be pinned to a tag other than latest or a digest on prod (got "scailabs/scaidrive:latest")'],
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
      "scai-platform:aws.privateSubnetIds must be a JSON array of subnet ids such as subnet-0123456789abcdef0 with at least 2 items"],
    ["a region that is not one", "dev", { "aws.region": "europe" },
      'scai-platform:aws.region must be an AWS region such as eu-west-1 (got "europe")'],
    ["replication into the same region", "prod", { "aws.region": "eu-central-1" },
      'scai-platform:aws.replicaRegion must be a region other than aws.region (got "eu-central-1")'],
    ["a day of backups on prod", "prod", { "aws.database.backupRetentionDays": "1" },
      "scai-platform:aws.database.backupRetentionDays must be an integer >= 7 on prod (got 1)"],
    ["a malformed VPC CIDR", "dev", { "aws.vpcCidr": "10.0.0.0/33" },
      'scai-platform:aws.vpcCidr must be an IPv4 CIDR such as 10.0.0.0/16 (got "10.0.0.0/33")'],
    ["a queue listed twice", "dev", { "scaidrive.workers.queues": '["high","high"]' },
      "scai-platform:scaidrive.workers.queues must be a JSON array of DNS labels with at least 1 item, without duplicates"],
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
