/**
 * Engine-backed: a newcomer's first hour, as the README and docs/ write it, on the real Pulumi CLI,
 * language host and plugins, in a throwaway copy of the project that behaves as a fresh clone: no
 * PULUMI_BACKEND_URL, no passphrase, no `pulumi` on PATH (the engine is found where the driver
 * finds it), no engine build. Proves that `npm run pulumi -- …` commands work as written, that
 * `up`/`preview` of `local` say the plaintext-Secret warning once, and that `destroy` leaves no
 * empty folder. Run by .ci/integration.sh, never by the unit suite.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PLAINTEXT_WARNING } from "../../tools/quiet-output";
import { ROOT } from "../harness";

/** Top-level entries a copy of the project needs (node_modules is linked, not copied). */
const LEAVE_OUT = new Set([".git", "node_modules", "rendered", ".pulumi-state", "bin", "test", ".ci", ".github", ".scan", "policy"]);

interface Run {
  code: number;
  output: string;
}

let work: string;
let env: NodeJS.ProcessEnv;
let stackFileBefore: string;

/** `npm run <script> -- <args>` in the copy, as a user types it. */
function npm(script: string, ...args: string[]): Promise<Run> {
  return new Promise(resolve => {
    execFile("npm", ["run", "--silent", script, "--", ...args], { cwd: work, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
  });
}

function expectOk(run: Run, what: string): void {
  assert.strictEqual(run.code, 0, `${what}: exit ${run.code}. Output:\n${run.output.slice(-6000)}`);
}

/**
 * `npm run pulumi -- …` commands shown in README.md and docs/*.md that need no stack but `local`
 * (and no placeholder), in the order they are shown: the ones a newcomer can paste.
 */
function documentedLocalCommands(): Array<{ file: string; args: string[] }> {
  const files = [path.join(ROOT, "README.md"), ...fs.readdirSync(path.join(ROOT, "docs")).filter(f => f.endsWith(".md")).sort().map(f => path.join(ROOT, "docs", f))];
  const found: Array<{ file: string; args: string[] }> = [];
  for (const file of files) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/npm run pulumi -- ([^`\n#]+)/g)) {
      const command = m[1].trim();
      if (/[<>…]|\.\.\./.test(command)) continue;
      const stacks = [...command.matchAll(/(?:--stack|-s)[ =](\S+)|stack (?:init|rm|select) (\S+)/g)].map(s => s[1] ?? s[2]);
      if (stacks.some(st => st !== "local")) continue;
      // A fragment in prose (`npm run pulumi -- config set --secret`) names no stack: not a whole command.
      if (stacks.length === 0 && !/^(stack ls|plugin install)\b/.test(command)) continue;
      // `stack rm`/`stack init` shown twice is run once (the second would find the stack gone, or there).
      if (/\bstack (rm|init)\b/.test(command) && found.some(f => f.args.join(" ") === command.split(/\s+/).join(" "))) continue;
      found.push({ file: path.relative(ROOT, file), args: command.split(/\s+/) });
    }
  }
  return found;
}

/** Runs documented commands in order, each expected to exit 0. */
async function runDocumented(commands: Array<{ file: string; args: string[] }>): Promise<void> {
  for (const { file, args } of commands) expectOk(await npm("pulumi", ...args), `${file}: npm run pulumi -- ${args.join(" ")}`);
}

const onConsumer = (c: { args: string[] }) => c.args.some(a => /^(--cwd|-C)(=|$)/.test(a));

describe("a newcomer's first hour on the real engine: npm run pulumi, quiet output, a clean destroy", function () {
  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-cli-itest-"));
    for (const entry of fs.readdirSync(ROOT)) {
      if (LEAVE_OUT.has(entry)) continue;
      fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    stackFileBefore = fs.readFileSync(path.join(work, "Pulumi.local.yaml"), "utf8");
    env = { ...process.env, SCAI_NO_ENGINE_BUILD: "true" };
    for (const k of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN"]) delete env[k];
    // No `pulumi` on PATH: the pass-through must find the engine itself, as the driver does.
    env.PATH = (process.env.PATH ?? "").split(path.delimiter).filter(d => d && !fs.existsSync(path.join(d, "pulumi"))).join(path.delimiter);
    console.log(`      work dir ${work} (state in its .pulumi-state/)`);
  });

  after(() => {
    if (process.env.SCAI_KEEP_ITEST_DIR !== "true" && work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("`npm run pulumi -- config set --path kubernetes.context kind-scai --stack local` works on a fresh clone, and config get reads it back", async () => {
    const set = await npm("pulumi", "config", "set", "--path", "kubernetes.context", "kind-scai", "--stack", "local");
    expectOk(set, "config set");
    const doc = yaml.load(fs.readFileSync(path.join(work, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, any> };
    assert.deepStrictEqual(doc.config["scai-platform:kubernetes"], { context: "kind-scai" });
    const get = await npm("pulumi", "config", "get", "--path", "kubernetes.context", "--stack", "local");
    expectOk(get, "config get");
    assert.strictEqual(get.output.trim(), "kind-scai");
    assert.ok(fs.existsSync(path.join(work, ".pulumi-state", ".pulumi", "stacks")), "state not in the project's .pulumi-state/");
  });

  it("a secret set with --secret is stored encrypted with local's passphrase and read back in the clear", async () => {
    expectOk(await npm("pulumi", "config", "set", "--path", "--secret", "novitai.apiKey", "not-a-real-key-42", "--stack", "local"), "config set --secret");
    const file = fs.readFileSync(path.join(work, "Pulumi.local.yaml"), "utf8");
    assert.ok(!file.includes("not-a-real-key-42"), "the secret is in Pulumi.local.yaml in plain text");
    assert.match(file, /secure: /);
    const get = await npm("pulumi", "config", "get", "--path", "novitai.apiKey", "--stack", "local");
    expectOk(get, "config get of the secret");
    assert.strictEqual(get.output.trim(), "not-a-real-key-42");
    expectOk(await npm("pulumi", "config", "rm", "--path", "novitai.apiKey", "--stack", "local"), "config rm");
    expectOk(await npm("pulumi", "config", "rm", "--path", "kubernetes.context", "--stack", "local"), "config rm");
    const doc = yaml.load(fs.readFileSync(path.join(work, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, any> };
    assert.deepStrictEqual(doc.config["scai-platform:kubernetes"] ?? {}, {});
    fs.writeFileSync(path.join(work, "Pulumi.local.yaml"), stackFileBefore);
  });

  it("`npm run pulumi -- stack ls` lists local; dev without a passphrase of its own is refused with exit 7", async () => {
    const ls = await npm("pulumi", "stack", "ls");
    expectOk(ls, "stack ls");
    assert.match(ls.output, /^local\b/m);
    const dev = await npm("pulumi", "config", "get", "--path", "aws.region", "--stack", "dev");
    assert.strictEqual(dev.code, 7, dev.output);
    assert.match(dev.output, /stack dev needs its own secrets provider/);
  });

  it("with no engine anywhere and no build allowed, the driver says why the official download was not possible (exit 3)", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "scai-no-engine-"));
    const saved = env;
    env = { ...saved, PULUMI_HOME: home };
    try {
      const run = await npm("deploy", "preview", "--stack", "local");
      if (run.code === 0) return; // a machine that reaches get.pulumi.com installed the CLI: nothing to explain
      assert.strictEqual(run.code, 3, run.output);
      assert.match(run.output, /no Pulumi CLI found \(no pulumi executable there or on PATH\): downloading \d+\.\d+\.\d+ into /);
      // Node's fetch says only "fetch failed"; the driver adds the host and the network error behind it.
      assert.match(run.output, /installing \d+\.\d+\.\d+ failed: .*\(get\.pulumi\.com (does not resolve|refused|did not answer|answers HTTP|: )/);
    } finally {
      env = saved;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  let upOutput = "";
  it("`npm run deploy -- up --stack local` says the plaintext-Secret warning once, in one note naming every rendered Secret", async () => {
    const up = await npm("deploy", "up", "--stack", "local");
    expectOk(up, "up");
    upOutput = up.output;
    const secretFiles = fs.readdirSync(path.join(work, "rendered", "local", "1-manifest")).filter(f => f.startsWith("v1-secret-"));
    assert.ok(secretFiles.length >= 5, `only ${secretFiles.length} rendered Secrets`);
    // Both forms: Check's ("rendered YAML will contain …") and the bare one `up` prints per written file.
    const warned = up.output.split("\n").filter(l => (l.includes(PLAINTEXT_WARNING) || /contains a secret value in plaintext/.test(l)) && !/note: /.test(l));
    assert.deepStrictEqual(warned, [], "the provider's warning is still printed per Secret");
    assert.doesNotMatch(up.output, /^Diagnostics:\s*\n\s*\n?(Outputs|Resources):/m, "an empty Diagnostics heading is left");
    const notes = up.output.split("\n").filter(l => /note: \d+ rendered Secrets? /.test(l));
    assert.strictEqual(notes.length, 1, `expected one note:\n${up.output.slice(-4000)}`);
    assert.match(notes[0], new RegExp(`note: ${secretFiles.length} rendered Secrets `));
    assert.match(notes[0], /rendered\/local\/1-manifest\/v1-secret-\*\.yaml/);
  });

  it("no bare `warning:` line and no warning repeated in up or preview", async () => {
    const preview = await npm("deploy", "preview", "--stack", "local");
    expectOk(preview, "preview");
    for (const [what, text] of [["up", upOutput], ["preview", preview.output]] as const) {
      // A warning under Diagnostics must follow its resource's heading (`  <type> (<name>):`).
      const lines = text.split("\n");
      const bare = lines.filter((l, i) => /^\s*warning:/.test(l) && !/^\s+\S+ \(.+\):\s*$/.test(lines[i - 1] ?? ""));
      assert.deepStrictEqual(bare, [], `${what} prints bare warning lines`);
      const warnings = text.split("\n").map(l => l.trim()).filter(l => /warning:/.test(l));
      const repeated = warnings.filter((l, i) => warnings.indexOf(l) !== i);
      assert.deepStrictEqual(repeated, [], `${what} repeats warnings`);
    }
  });

  it("the documented `npm run pulumi -- --cwd examples/consumer …` commands read local's outputs through a StackReference", async () => {
    const commands = documentedLocalCommands().filter(onConsumer);
    assert.ok(commands.some(c => c.args.includes("up")), "no documented consumer up");
    await runDocumented(commands);
  });

  it("`npm run deploy -- destroy --stack local` leaves no empty 0-crd/ or 1-manifest/ folder", async () => {
    expectOk(await npm("deploy", "destroy", "--stack", "local"), "destroy");
    const dir = path.join(work, "rendered", "local");
    assert.ok(!fs.existsSync(dir), `left behind: ${fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).join(", ") : ""}`);
  });

  it("every other documented `npm run pulumi -- …` command for local runs as written, in the order shown", async () => {
    const commands = documentedLocalCommands().filter(c => !onConsumer(c));
    assert.ok(commands.length >= 5, `only ${commands.length} documented commands found`);
    await runDocumented(commands);
    fs.writeFileSync(path.join(work, "Pulumi.local.yaml"), stackFileBefore);
  });

  it("`npm run pulumi -- stack rm local --preserve-config --yes` forgets the stack and keeps Pulumi.local.yaml", async () => {
    // The documented commands may already have removed it; either way the end state is the same.
    if (/^local\b/m.test((await npm("pulumi", "stack", "ls")).output)) {
      expectOk(await npm("pulumi", "stack", "rm", "local", "--preserve-config", "--yes"), "stack rm");
    }
    const ls = await npm("pulumi", "stack", "ls");
    expectOk(ls, "stack ls");
    assert.doesNotMatch(ls.output, /^local\b/m);
    assert.ok(fs.existsSync(path.join(work, "Pulumi.local.yaml")), "stack rm deleted Pulumi.local.yaml");
    assert.strictEqual(fs.readFileSync(path.join(work, "Pulumi.local.yaml"), "utf8"), stackFileBefore);
  });
});
