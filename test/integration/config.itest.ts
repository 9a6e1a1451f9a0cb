/**
 * Engine-backed: the structured, strict config on the real Pulumi CLI, language host and runtime,
 * in a throwaway copy of the project with a temporary file backend (as local-stack.itest.ts).
 * - a misspelt key fails `preview` (and `up`) through the driver with exit 5 and the "did you
 *   mean" suggestion, before any resource is registered;
 * - a value written by `pulumi config set --path` is what the program uses;
 * - a secret set in plain text on a dev-profile stack is refused, one set with --secret is not,
 *   also when one mapping holds both: the runtime's secret-key list and the stack file's `secure:`
 *   markers, as the engine hands them.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { EXIT, RunSummary, engineEnv, installedCliRoot, pinnedPulumiVersion } from "../../tools/driver";
import { ROOT } from "../harness";
import { runDriver } from "./driver-run";

const LEAVE_OUT = new Set([".git", "node_modules", "rendered", ".pulumi-state", "bin", "test", ".ci", ".github", ".scan", "policy"]);

interface Run {
  code: number;
  output: string;
  /** Standard output alone (the CLI's --json document). */
  stdout?: string;
  summary?: RunSummary;
}

let work: string;
let backend: string;
let pulumi: PulumiCommand;

/** Runs the copy's driver as `npm run deploy` would. */
function driver(...args: string[]): Promise<Run> {
  return runDriver({ project: work, backend, pulumi }, ...args);
}

/** Runs the CLI itself in the copy; resolves with its exit code and output (never rejects). */
function cli(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const env = { ...process.env, ...engineEnv("local", { PULUMI_BACKEND_URL: backend }, undefined), ...extra };
  return new Promise(resolve => {
    execFile(pulumi.command, args, { cwd: work, env, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr, stdout }));
  });
}

function expectExit(run: Run, code: number, what: string) {
  assert.strictEqual(run.code, code, `${what}: exit ${run.code}, expected ${code}. Output:\n${run.output.slice(-6000)}`);
}

/** Replaces the copy's stack file for the length of `fn`, then puts it back byte for byte. */
async function withStackFile<T>(stack: string, edit: (config: Record<string, any>) => void, fn: () => Promise<T>): Promise<T> {
  const file = path.join(work, `Pulumi.${stack}.yaml`);
  const before = fs.readFileSync(file, "utf8");
  const doc = (yaml.load(before) ?? {}) as { config?: Record<string, any> };
  doc.config = doc.config ?? {};
  edit(doc.config);
  fs.writeFileSync(file, yaml.dump(doc));
  try {
    return await fn();
  } finally {
    fs.writeFileSync(file, before);
  }
}

/** Resources in a stack's state other than the root stack resource. */
async function registered(stack: string): Promise<string[]> {
  const exported = await cli(["stack", "export", "--stack", stack]);
  expectExit(exported, 0, "stack export");
  const resources: Array<{ type: string; urn: string }> = JSON.parse(exported.stdout!).deployment.resources ?? [];
  return resources.filter(r => r.type !== "pulumi:pulumi:Stack").map(r => r.urn);
}

describe("structured, strict config on the real engine", function () {
  before(async function () {
    const root = installedCliRoot(pinnedPulumiVersion());
    pulumi = await PulumiCommand.get(root ? { root } : {});
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-config-itest-"));
    for (const entry of fs.readdirSync(ROOT)) {
      if (LEAVE_OUT.has(entry) || /^Pulumi\..+\.yaml$/.test(entry) && entry !== "Pulumi.local.yaml") continue;
      fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    fs.mkdirSync(path.join(work, "state"));
    backend = `file://${path.join(work, "state")}`;
    console.log(`      work dir ${work}, ${pulumi.command} ${pulumi.version}`);
  });

  after(() => {
    if (process.env.SCAI_KEEP_ITEST_DIR !== "true" && work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("`preview --stack local` with a misspelt nested key exits 5 with the suggestion, before any resource", async () => {
    const run = await withStackFile("local", c => { c["scai-platform:scaidrive"] = { api: { replica: 2 } }; }, () => driver("preview", "--stack", "local"));
    expectExit(run, EXIT.config, "preview with scaidrive.api.replica");
    assert.match(run.summary!.error!, /^stack local has invalid config:\n  scai-platform:scaidrive\.api\.replica must be a key the schema knows; did you mean scai-platform:scaidrive\.api\.replicas\? \(got replica: 2; /);
    // Only the root stack resource is ever planned: the program threw before registering anything.
    assert.doesNotMatch(run.output, /(kubernetes|random):[\w/.-]+:\w+/, "a resource was planned");
  });

  it("a mapping set to a single value is refused by the engine itself (Pulumi.yaml declares it an object): exit 5 too", async () => {
    const run = await withStackFile("local", c => { c["scai-platform:scaidrive"] = "3"; }, () => driver("preview", "--stack", "local"));
    expectExit(run, EXIT.config, "preview with scaidrive: 3");
    assert.match(run.summary!.error!, /Stack 'local' with configuration key 'scaidrive' must be of type 'object'/);
  });

  it("`up` with a misspelt top-level key exits 5 with the suggestion and leaves no resource in the state", async () => {
    const run = await withStackFile("local", c => { c["scai-platform:scaidriv"] = { api: { replicas: 2 } }; }, () => driver("up", "--stack", "local"));
    expectExit(run, EXIT.config, "up with scaidriv");
    assert.match(run.summary!.error!, /scai-platform:scaidriv must be a key the schema knows; did you mean scai-platform:scaidrive\?/);
    assert.deepStrictEqual(await registered("local"), []);
  });

  it("a value set with `pulumi config set --path` lands nested in the stack file and is what the program deploys", async () => {
    const file = path.join(work, "Pulumi.local.yaml");
    const before = fs.readFileSync(file, "utf8");
    try {
      expectExit(await cli(["stack", "select", "--create", "local"]), 0, "stack select");
      expectExit(await cli(["config", "set", "--path", "scaidrive.api.replicas", "2", "--stack", "local"]), 0, "config set --path");
      const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, any> };
      assert.deepStrictEqual(doc.config["scai-platform:scaidrive"], { api: { replicas: 2 } });
      const preview = await cli(["preview", "--json", "--stack", "local"]);
      expectExit(preview, 0, "preview --json");
      const steps: Array<{ urn: string; newState?: { inputs?: any } }> = JSON.parse(preview.stdout!).steps;
      const api = steps.find(s => /kubernetes:apps\/v1:Deployment::scaidrive-api$/.test(s.urn));
      assert.ok(api, `no scaidrive-api Deployment in the plan: ${steps.map(s => s.urn).filter(u => /Deployment/.test(u)).join(", ")}`);
      assert.strictEqual(api!.newState!.inputs.spec.replicas, 2);
    } finally {
      fs.writeFileSync(file, before);
    }
  });

  it("on a dev-profile stack a secret set in plain text is refused with the --secret command; set with --secret it is accepted", async () => {
    const stack = "devcheck";
    const env = { PULUMI_CONFIG_PASSPHRASE: "config-itest-passphrase" };
    fs.writeFileSync(path.join(work, `Pulumi.${stack}.yaml`), yaml.dump({ config: {
      "scai-platform:profile": "dev",
      "scai-platform:domain": "dev.example.com",
      "scai-platform:dataServices": "in-cluster",
      "scai-platform:systems": ["novitai"],
      "scai-platform:scaikey": { url: "https://scaikey.dev.example.com" },
      "scai-platform:kubernetes": { renderDir: "rendered/devcheck" },
    } }));
    expectExit(await cli(["stack", "init", stack, "--secrets-provider", "passphrase"], env), 0, "stack init");
    expectExit(await cli(["config", "set", "--path", "novitai.apiKey", "plain-key-42", "--stack", stack], env), 0, "config set (plain)");
    const plain = await cli(["preview", "--stack", stack], env);
    assert.notStrictEqual(plain.code, 0);
    assert.match(plain.output, /scai-platform:novitai\.apiKey must be stored encrypted on the dev profile: run `pulumi config set --path --secret novitai\.apiKey <value>` \(got a plain-text value\)/);
    assert.doesNotMatch(plain.output, /plain-key-42/);

    expectExit(await cli(["config", "set", "--path", "--secret", "novitai.apiKey", "secret-key-42", "--stack", stack], env), 0, "config set --secret");
    const doc = yaml.load(fs.readFileSync(path.join(work, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> };
    assert.ok(doc.config["scai-platform:novitai"].apiKey.secure, "the CLI did not store it encrypted");
    const secret = await cli(["preview", "--stack", stack], env);
    // Whatever else a dev-profile preview needs here (the aws plugin), the secret is no longer refused.
    assert.doesNotMatch(secret.output, /novitai\.apiKey must/);
    assert.doesNotMatch(secret.output, /secret-key-42/);

    // One mapping holding an encrypted and a plain-text secret: the runtime lists `scaisend` as a
    // secret as a whole; the stack file's `secure:` markers tell which of the two is plain.
    expectExit(await cli(["config", "set", "--path", "systems[1]", "scaisend", "--stack", stack], env), 0, "config set systems[1]");
    expectExit(await cli(["config", "set", "--path", "--secret", "scaisend.scaikey.clientSecret", "client-42", "--stack", stack], env), 0, "config set --secret");
    expectExit(await cli(["config", "set", "--path", "--plaintext", "scaisend.scaikey.webhookSecret", "webhook-42", "--stack", stack], env), 0, "config set --plaintext");
    const mixed = await cli(["preview", "--stack", stack], env);
    assert.notStrictEqual(mixed.code, 0);
    assert.match(mixed.output, /scai-platform:scaisend\.scaikey\.webhookSecret must be stored encrypted on the dev profile: run `pulumi config set --path --secret scaisend\.scaikey\.webhookSecret <value>`/);
    assert.doesNotMatch(mixed.output, /clientSecret must|webhook-42|client-42/);
  });
});
