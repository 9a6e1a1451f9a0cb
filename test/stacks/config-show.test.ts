/**
 * `npm run config:show` prints what the program resolves, and the committed effective config of
 * dev and prod (platform/effective/*.yaml) is what the code resolves today.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { MASKED } from "@scai/platform-components";
import { mapConfigSource } from "../../platform/config-source";
import { EFFECTIVE_DIR, EFFECTIVE_STACKS, effectiveFile } from "../../tools/config-sync";
import { showConfig } from "../../tools/config-show";
import { loadEnvironment, platformSchema } from "../../platform/environment";
import { PROJECT, ROOT, exampleSecrets, stackSource } from "../harness";

const show = (env: unknown) => JSON.stringify(env, (_k, v) => (pulumi.Output.isInstance(v) ? "<output>" : v));

describe("config:show: every effective value with its source", () => {
  for (const stack of ["local", "dev", "prod"]) {
    it(`${stack}: setting every value it shows explicitly changes nothing the program resolves`, () => {
      const shown = showConfig(stack);
      const explicit: Record<string, string> = {};
      for (const r of shown.values) {
        if (r.secret || r.value === undefined) continue;
        explicit[r.key] = typeof r.value === "string" ? r.value : JSON.stringify(r.value);
      }
      assert.ok(Object.keys(explicit).length > 60, `only ${Object.keys(explicit).length} values shown`);
      const fromShown = loadEnvironment(mapConfigSource(PROJECT, stack, explicit, exampleSecrets(stack)));
      assert.strictEqual(show(fromShown), show(loadEnvironment(stackSource(stack))));
      // the only problems on the committed files are the secrets an operator sets per stack
      assert.deepStrictEqual(shown.problems.map(p => p.split(" must ")[0]),
        stack === "local" ? [] : ["scai-platform:scaisend.scaikey.clientSecret", "scai-platform:scaisend.scaikey.webhookSecret", "scai-platform:novitai.apiKey"]);
    });
  }

  it("names each source: stack file, profile default, schema default, derived", () => {
    const prod = Object.fromEntries(showConfig("prod").values.map(r => [r.key, r]));
    assert.deepStrictEqual([prod.domain.value, prod.domain.source], ["scai.example.com", "stack file"]);
    assert.deepStrictEqual([prod["scaidrive.api.replicas"].value, prod["scaidrive.api.replicas"].source], [3, "profile default"]);
    assert.deepStrictEqual([prod["aws.database.instanceClass"].value, prod["aws.database.instanceClass"].source], ["db.r6g.large", "profile default"]);
    assert.deepStrictEqual([prod["ingress.className"].value, prod["ingress.className"].source], ["nginx", "schema default"]);
    assert.deepStrictEqual([prod.namespace.value, prod.namespace.source], ["scai-prod", "derived"]);
    assert.deepStrictEqual([prod["dns.zoneId"].value, prod["dns.zoneId"].source], [undefined, "unset"]);
  });

  it("masks secrets, encrypted or (on local) plain", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scai-show-"));
    const file = path.join(dir, "Pulumi.local.yaml");
    fs.writeFileSync(file, yaml.dump({ config: {
      "scai-platform:systems": ["scaisend", "novitai"],
      "scai-platform:novitai": { apiKey: "plain-local-key" },
      "scai-platform:scaisend": { scaikey: { clientSecret: { secure: "v1:abc" } } },
    } }));
    const rows = Object.fromEntries(showConfig("local", file).values.map(r => [r.key, r]));
    assert.strictEqual(rows["novitai.apiKey"].value, MASKED);
    assert.strictEqual(rows["scaisend.scaikey.clientSecret"].value, MASKED);
    assert.ok(!JSON.stringify(rows).includes("plain-local-key"));
  });

  it("the command prints the same, as JSON and as text, and exits 5 when the program would refuse the config", () => {
    const run = (...args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/config-show.ts", ...args], { cwd: ROOT, encoding: "utf8" }) };
      } catch (e) {
        return { code: (e as { status: number }).status, out: (e as { stdout: string }).stdout };
      }
    };
    const json = run("--stack", "prod", "--json");
    assert.strictEqual(json.code, 5);
    assert.deepStrictEqual(JSON.parse(json.out), JSON.parse(JSON.stringify(showConfig("prod"))));
    const text = run("--stack", "local");
    assert.strictEqual(text.code, 0);
    assert.match(text.out, /^  scaidrive\.api\.replicas +1 +profile default$/m);
    assert.match(text.out, /^  namespace +scai-local +derived$/m);
  });
});

describe("every committed stack file", () => {
  const stacks = fs.readdirSync(ROOT).map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);

  it("is structured and known to the schema: nothing but the secrets set per stack is missing", () => {
    assert.ok(stacks.includes("local") && stacks.includes("prod"), stacks.join(", "));
    for (const stack of stacks) {
      const unexpected = showConfig(stack).problems.filter(p => !/ must be set with `pulumi config set --path --secret /.test(p));
      assert.deepStrictEqual(unexpected, [], `Pulumi.${stack}.yaml`);
    }
  });
});

describe("committed effective config of dev and prod", () => {
  for (const stack of EFFECTIVE_STACKS) {
    it(`platform/effective/${stack}.yaml is what the code resolves now (run npm run config:sync after changing a default)`, () => {
      const committed = fs.readFileSync(path.join(EFFECTIVE_DIR, `${stack}.yaml`), "utf8");
      assert.strictEqual(committed, effectiveFile(stack));
    });
  }

  it("a change to a code default that prod uses makes prod's committed file stale", () => {
    const field = platformSchema.aws.database.instanceClass as { default: unknown };
    const before = field.default;
    const committed = fs.readFileSync(path.join(EFFECTIVE_DIR, "prod.yaml"), "utf8");
    try {
      field.default = { local: "db.t4g.medium", dev: "db.t4g.medium", prod: "db.r6g.xlarge" };
      const now = effectiveFile("prod");
      assert.notStrictEqual(now, committed);
      assert.match(now, /^aws\.database\.instanceClass: db\.r6g\.xlarge +# profile default$/m);
    } finally {
      field.default = before;
    }
  });
});
