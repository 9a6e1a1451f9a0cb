/**
 * Structured, strict config: values nested as `pulumi config set --path` writes them are read;
 * keys the schema does not know are refused at any depth with the closest known key; a secret
 * stored in plain text is refused on dev and prod and accepted on local. All before any resource
 * is registered, in one error.
 */
import * as assert from "assert";
import { ConfigSource, editDistance, suggest } from "@scai/platform-components";
import { mapConfigSource, pulumiConfigSource, stackFileSource } from "../../platform/config-source";
import * as pulumi from "@pulumi/pulumi";
import { migrateConfig } from "../../tools/config-migrate";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import { deployPlatform } from "../../platform/platform";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT, ROOT, evaluate, exampleSecrets, output, stackConfig, stackSource } from "../harness";

function problemsOf(src: ConfigSource): string[] {
  try {
    loadEnvironment(src);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail("the config was accepted");
}

/** A stack file written to a temporary folder, read as `config:show` and the program read it. */
function stackFile(stack: string, config: Record<string, unknown>): ConfigSource {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scai-config-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, yaml.dump({ config }));
  return stackFileSource(PROJECT, stack, file);
}

describe("structured config: the shape `pulumi config set --path` writes", () => {
  it("a nested value in the stack file (scaidrive: {api: {replicas: 5}}) is read, as an integer", () => {
    const committed = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> };
    const c = { ...committed.config };
    const secure = { secure: "v1:ciphertext" };
    c["scai-platform:scaidrive"] = { ...c["scai-platform:scaidrive"], api: { replicas: 5 } };
    c["scai-platform:scaisend"] = { ...c["scai-platform:scaisend"], scaikey: { clientSecret: secure, webhookSecret: secure } };
    c["scai-platform:novitai"] = { ...c["scai-platform:novitai"], apiKey: secure };
    const src = stackFile("prod", c);
    // what the runtime hands the program for a structured key: its JSON text
    assert.strictEqual(JSON.parse(src.get("scaidrive")!).api.replicas, 5);
    const env = loadEnvironment(src);
    assert.strictEqual(env.systems.scaidrive?.api.replicas, 5);
    assert.strictEqual(env.systems.scaidrive?.api.maxReplicas, 20, "a sibling not set keeps prod's default");
  });

  it("`--path` coercion: a boolean and a whole number stored as YAML scalars read like their text", () => {
    const env = loadEnvironment(mapConfigSource(PROJECT, "dev", { ...stackConfig("dev"), "aws.staticBucketKeys": "true", "dns.ttl": "600" }, exampleSecrets("dev")));
    assert.strictEqual(env.aws?.staticBucketKeys, true);
    const src = stackFile("local", { "scai-platform:dns": { ttl: 600, ingressIpv6: true } });
    assert.strictEqual(JSON.parse(src.get("dns")!).ttl, 600);
  });

  it("a mapping set to a scalar is refused, naming what it takes", () => {
    const problems = problemsOf(stackSource("local", { scaidrive: "3" }));
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^scai-platform:scaidrive must be a mapping of image, .*replicas|^scai-platform:scaidrive must be a mapping of /);
    assert.match(problems[0], /\(got 3\)$/);
  });
});

describe("strict config: keys the schema does not know", () => {
  const cases: Array<[string, Record<string, string>, string, string]> = [
    ["a misspelt top-level key", { scaidriv: '{"api":{"replicas":3}}' }, "scaidriv", "scaidrive"],
    ["a misspelt scalar at the top", { protcet: "true" }, "protcet", "protect"],
    ["a misspelt field one level down", { "aws.regoin": "eu-west-1" }, "aws.regoin", "aws.region"],
    ["a misspelt field two levels down", { "scaidrive.api.replica": "5" }, "scaidrive.api.replica", "scaidrive.api.replicas"],
    ["a misspelt group", { "scaidrive.apii.replicas": "5" }, "scaidrive.apii", "scaidrive.api"],
    ["a field under the wrong group", { "scaidrive.replicas": "5" }, "scaidrive.replicas", "scaidrive.api.replicas"],
    ["a misspelt secret three levels down", { "scaisend.scaikey.clientSecert": "x" }, "scaisend.scaikey.clientSecert", "scaisend.scaikey.clientSecret"],
    ["a wrong case", { "aws.database.instanceclass": "db.t4g.small" }, "aws.database.instanceclass", "aws.database.instanceClass"],
  ];
  for (const [what, overrides, key, near] of cases) {
    it(`${what} (${key}) is refused with "did you mean ${near}?"`, () => {
      const problems = problemsOf(stackSource("local", overrides));
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0].startsWith(`scai-platform:${key} must be a key the schema knows; did you mean scai-platform:${near}? (got `), problems[0]);
    });
  }

  it("a mapping set (as a secret) to a single value is refused without echoing it", () => {
    const [problem] = problemsOf(stackSource("local", {}, { novitai: "sk-live-123" }));
    assert.ok(problem.startsWith("scai-platform:novitai must be a mapping of image, ") && problem.endsWith("(got a value not shown here)"), problem);
  });

  it("a misspelt secret key does not echo the value, nor does an old flat secret key (whose fix uses --secret)", () => {
    const [misspelt] = problemsOf(stackSource("local", { "novitai.apikey": "sk-live-123" }, {}));
    assert.strictEqual(misspelt.split(" (got")[1].split(";")[0], " apikey: a value not shown here");
    const src: ConfigSource = { ...mapConfigSource(PROJECT, "local", {}), keys: () => ["novitai.apiKey"], get: k => (k === "novitai.apiKey" ? "sk-live-123" : undefined), isSecret: () => false };
    const [flat] = problemsOf(src);
    assert.strictEqual(flat, "scai-platform:novitai.apiKey must be set as a structured value now, not as one flat key: run `pulumi config rm novitai.apiKey` and `pulumi config set --path --secret novitai.apiKey <value>` (got the flat key \"novitai.apiKey\"; npm run config:migrate converts a whole stack file)");
  });

  it("the message names the value got and the keys allowed where it was set", () => {
    const [problem] = problemsOf(stackSource("local", { "scaidrive.api.replica": "5" }));
    assert.match(problem, /\(got replica: 5; scaidrive\.api takes replicas, minReplicas, maxReplicas, .*\)$/);
  });

  it("a key of a system that is not deployed is still checked (a typo there would be silent later)", () => {
    const problems = problemsOf(stackSource("local", { systems: '["scaidrive"]', "novitai.maxConcurentJobs": "3" }));
    assert.deepStrictEqual(problems.map(p => p.split(" (got")[0]), ["scai-platform:novitai.maxConcurentJobs must be a key the schema knows; did you mean scai-platform:novitai.maxConcurrentJobs?"]);
  });

  it("nothing close: no suggestion, still the allowed keys", () => {
    const [problem] = problemsOf(stackSource("local", { "scaidrive.zzzzzzzzzzzz": "1" }));
    assert.ok(problem.startsWith("scai-platform:scaidrive.zzzzzzzzzzzz must be a key the schema knows (got zzzzzzzzzzzz: "), problem);
  });

  it("an old flat key is refused with the commands that move it, and config:migrate converts a whole file", () => {
    const flat = { ...stackConfig("local") } as Record<string, string>;
    const src: ConfigSource = { ...mapConfigSource(PROJECT, "local", flat), keys: () => ["systems", "scaidrive.api.replicas"], get: k => (k === "scaidrive.api.replicas" ? "3" : flat[k]) };
    const [problem] = problemsOf(src);
    assert.strictEqual(problem, 'scai-platform:scaidrive.api.replicas must be set as a structured value now, not as one flat key: run `pulumi config rm scaidrive.api.replicas` and `pulumi config set --path scaidrive.api.replicas "3"` (got the flat key "scaidrive.api.replicas"; npm run config:migrate converts a whole stack file)');
    const { config, moved } = migrateConfig({
      "scai-platform:domain": "x.example.com",
      "scai-platform:scaidrive.api.replicas": "3",
      "scai-platform:scaidrive.api.cpu": "250m",
      "scai-platform:aws.staticBucketKeys": "true",
      "scai-platform:novitai.apiKey": { secure: "v1:abc" },
      "aws:region": "eu-west-1",
    });
    assert.deepStrictEqual(config, {
      "scai-platform:domain": "x.example.com",
      "scai-platform:scaidrive": { api: { replicas: 3, cpu: "250m" } },
      "scai-platform:aws": { staticBucketKeys: true },
      "scai-platform:novitai": { apiKey: { secure: "v1:abc" } },
      "aws:region": "eu-west-1",
    });
    assert.strictEqual(moved.length, 4);
  });

  it("every problem at once: unknown keys and bad values in one error", () => {
    const problems = problemsOf(stackSource("local", { "scaidrive.api.replica": "5", protect: "maybe", "dns.tll": "60" }));
    assert.deepStrictEqual(problems.map(p => p.split(" must ")[0]).sort(), ["scai-platform:dns.tll", "scai-platform:protect", "scai-platform:scaidrive.api.replica"]);
  });

  it("edit distance counts a swap of neighbours as one edit; a suggestion is only made when close", () => {
    assert.strictEqual(editDistance("regoin", "region"), 1);
    assert.strictEqual(suggest("aws.xyz", ["aws.region", "dns.ttl"]), undefined);
  });

  it("nothing is registered when a key is unknown", async () => {
    const { result, resources } = await evaluate("local", () => {
      try {
        return deployPlatform(loadEnvironment(stackSource("local", { "scaidrive.api.replica": "5" })));
      } catch (e) {
        return e;
      }
    });
    assert.ok(result instanceof ConfigError);
    assert.strictEqual(resources.length, 0);
  });
});

describe("strict config: secrets must be stored encrypted on dev and prod", () => {
  const plain = { "scaisend.scaikey.clientSecret": "c", "scaisend.scaikey.webhookSecret": "w", "novitai.apiKey": "k" };

  for (const stack of ["dev", "prod"]) {
    it(`on ${stack}, a secret set in plain text is refused with the --secret command, without echoing it`, () => {
      const { "novitai.apiKey": _k, ...others } = exampleSecrets(stack);
      const problems = problemsOf(stackSource(stack, { "novitai.apiKey": "plain-key-123" }, others));
      assert.deepStrictEqual(problems, [
        `scai-platform:novitai.apiKey must be stored encrypted on the ${stack} profile: run \`pulumi config set --path --secret novitai.apiKey <value>\` (got a plain-text value)`,
      ]);
      assert.ok(!problems[0].includes("plain-key-123"));
    });
  }

  it("on dev, every plain-text secret is listed in the one error", () => {
    const problems = problemsOf(stackSource("dev", plain, {}));
    assert.deepStrictEqual(problems.map(p => p.split(" must ")[0]), [
      "scai-platform:scaisend.scaikey.clientSecret", "scai-platform:scaisend.scaikey.webhookSecret", "scai-platform:novitai.apiKey",
    ]);
  });

  it("on local, a plain-text secret is accepted and still reaches the program as a secret Output", async () => {
    const env = loadEnvironment(stackSource("local", plain, {}));
    const key = env.systems.novitai!.apiKey!;
    assert.strictEqual(await output(key), "k");
    assert.strictEqual(await (key as any).isSecret, true);
  });

  it("the runtime's secret-key list is per top-level key: the stack file says which nested value is encrypted", () => {
    const src = stackFile("dev", { "scai-platform:novitai": { apiKey: { secure: "v1:abc" } }, "scai-platform:scaisend": { scaikey: { clientSecret: { secure: "v1:x" }, webhookSecret: "plain" } } });
    assert.strictEqual(src.isSecret(["novitai", "apiKey"]), true);
    assert.strictEqual(src.isSecret(["scaisend", "scaikey", "clientSecret"]), true);
    assert.strictEqual(src.isSecret(["scaisend", "scaikey", "webhookSecret"]), false);
  });

  it("the program's own source: the runtime's secret-key list (as the language host sets it) decides, per top-level key", async () => {
    const config = {
      ...Object.fromEntries(Object.entries(stackConfig("dev")).filter(([k]) => !k.includes(".")).map(([k, v]) => [`${PROJECT}:${k}`, v])),
      [`${PROJECT}:scaikey`]: JSON.stringify({ url: "https://scaikey.dev.scai.example.com" }),
      [`${PROJECT}:kubernetes`]: JSON.stringify({ clusterStack: "scailabs/eks-cluster/dev" }),
      [`${PROJECT}:aws`]: JSON.stringify({ staticBucketKeys: true }),
      [`${PROJECT}:rahcp`]: JSON.stringify({ hcpDomain: "dev.hcp.example.com" }),
      [`${PROJECT}:scaisend`]: JSON.stringify({ scaikey: { clientSecret: "c", webhookSecret: "w" } }),
      [`${PROJECT}:novitai`]: JSON.stringify({ apiKey: "plain-key" }),
      "aws:region": "eu-west-1",
    };
    const run = (secretKeys: string[]) => evaluate("dev", () => {
      pulumi.runtime.setAllConfig(config, secretKeys);
      try {
        const src = pulumiConfigSource();
        return { keys: [...src.keys()].sort(), problems: (() => { try { loadEnvironment(src); return []; } catch (e) { return (e as ConfigError).problems; } })() };
      } finally {
        pulumi.runtime.setAllConfig({}, []);
      }
    });
    const plain = (await run([])).result;
    assert.deepStrictEqual(plain.keys, ["aws", "domain", "kubernetes", "novitai", "rahcp", "scaikey", "scaisend", "systems"]);
    assert.deepStrictEqual(plain.problems.map(p => p.split(" must ")[0]), [
      "scai-platform:scaisend.scaikey.clientSecret", "scai-platform:scaisend.scaikey.webhookSecret", "scai-platform:novitai.apiKey",
    ]);
    const encrypted = (await run([`${PROJECT}:scaisend`, `${PROJECT}:novitai`])).result;
    assert.deepStrictEqual(encrypted.problems, []);
  });
});
