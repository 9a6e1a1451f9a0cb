/**
 * The Automation API driver: `npm run deploy -- <command> --stack <name> [flags]`.
 *
 * It drives this project through `LocalWorkspace` with the repo root as work dir, on a local
 * file backend by default (`.pulumi-state/`, gitignored; `PULUMI_BACKEND_URL` overrides),
 * streams the engine's progress, and ends with a summary of the changes and the outputs
 * (secrets masked). Every way it can fail ends with one short message and a distinct exit code
 * (`EXIT` below, documented in the README), so CI can tell a bad config from drift.
 *
 * Everything above `main` is pure and unit-tested without an engine (test/stacks/driver.test.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type { EngineEvent, OpMap, OutputMap, PulumiCommand } from "@pulumi/pulumi/automation";
import { QuietOutput, plaintextNote } from "./quiet-output";
import { Allowance, GuardVerdict, PlannedStep, formatAllowed, formatRefusal, judgePlan } from "./plan-guard";

export const COMMANDS = ["preview", "up", "refresh", "destroy", "outputs"] as const;
export type Command = (typeof COMMANDS)[number];

/** Exit codes, one per way a run can end. */
export const EXIT = {
  ok: 0,
  /** The engine or a provider failed the operation (the engine's own error lines are shown). */
  failed: 1,
  /** Bad command line. */
  usage: 2,
  /** No Pulumi CLI (or a plugin it needs is not installed). */
  noEngine: 3,
  /** No `Pulumi.<stack>.yaml`, or (refresh/destroy/outputs) no such stack in the backend. */
  noStack: 4,
  /** The program refused the stack's config (ConfigError): one line per bad key. */
  config: 5,
  /** `--expect-no-changes` was given and the engine found changes (drift). */
  changes: 6,
  /** dev/prod without a secrets provider of their own, or a wrong passphrase. */
  secrets: 7,
  /**
   * The plan replaces or deletes a resource that holds data (tools/plan-guard.ts) and no
   * `--allow-replace` / `--allow-data-loss` allows it; `up` changed nothing.
   */
  destructive: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The passphrase of the `local` stack when PULUMI_CONFIG_PASSPHRASE(_FILE) is unset. It is public
 * on purpose: `local` holds throwaway dev secrets and must run with no setup. Every other stack
 * needs the user's own passphrase or secrets provider, and is refused this one.
 */
export const LOCAL_PASSPHRASE = "scai-local-dev-only";

/** Where the engine writes state unless PULUMI_BACKEND_URL says otherwise (gitignored). */
export const DEFAULT_STATE_DIR = ".pulumi-state";

/** The repo root: the Pulumi project's work dir, whatever the process cwd. */
export const REPO_ROOT = path.resolve(__dirname, "..");

export class DriverError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
    this.name = "DriverError";
  }
}

export interface DriverArgs {
  command: Command;
  stack: string;
  /** Write the run summary as JSON here. */
  json?: string;
  /** Exit with EXIT.changes when the engine finds anything to change. */
  expectNoChanges: boolean;
  /** Policy pack folder, applied when it exists. */
  policyPack?: string;
  /** URNs or resource names whose replacement or deletion is allowed (`--allow-replace`, repeatable). */
  allowReplace: string[];
  /** Allow every replacement and deletion of resources that hold data. */
  allowDataLoss: boolean;
}

export const USAGE = `usage: npm run deploy -- <${COMMANDS.join("|")}> --stack <name> [--json FILE] [--expect-no-changes] [--policy-pack DIR] [--allow-replace URN-OR-NAME]... [--allow-data-loss]`;

/** Parses the driver's command line (everything after `npm run deploy --`). */
export function parseArgs(argv: readonly string[]): DriverArgs {
  const fail = (why: string) => new DriverError(`${why}\n${USAGE}`, EXIT.usage);
  let command: Command | undefined;
  let stack: string | undefined;
  let json: string | undefined;
  let policyPack: string | undefined;
  let expectNoChanges = false;
  let allowDataLoss = false;
  const allowReplace: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "" || (inline === undefined && v.startsWith("--"))) throw fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--stack": case "-s": stack = value(); break;
      case "--json": json = value(); break;
      case "--policy-pack": policyPack = value(); break;
      case "--allow-replace": allowReplace.push(value()); break;
      case "--allow-data-loss":
        if (inline !== undefined) throw fail(`--allow-data-loss takes no value`);
        allowDataLoss = true;
        break;
      case "--expect-no-changes":
        if (inline !== undefined) throw fail(`--expect-no-changes takes no value`);
        expectNoChanges = true;
        break;
      default:
        if (flag.startsWith("-")) throw fail(`unknown flag ${flag}`);
        if (command !== undefined) throw fail(`one command at a time (got ${command} and ${flag})`);
        if (!(COMMANDS as readonly string[]).includes(flag)) throw fail(`unknown command ${JSON.stringify(flag)}`);
        command = flag as Command;
    }
  }
  if (command === undefined) throw fail("no command given");
  if (stack === undefined) throw fail("--stack is required");
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw fail(`--stack must be a stack name of letters, digits, '-', '_' and '.' (got ${JSON.stringify(stack)})`);
  if (expectNoChanges && (command === "destroy" || command === "outputs")) throw fail(`--expect-no-changes applies to preview, up and refresh, not ${command}`);
  if (policyPack !== undefined && command !== "preview" && command !== "up") throw fail(`--policy-pack applies to preview and up, not ${command}`);
  if ((allowReplace.length > 0 || allowDataLoss) && command !== "preview" && command !== "up") {
    throw fail(`--allow-replace and --allow-data-loss apply to preview and up, not ${command}`);
  }
  return { command, stack, json, expectNoChanges, policyPack, allowReplace, allowDataLoss };
}

/** Resource operations of a run, folded into the four an operator reads. */
export interface ChangeCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  same: number;
}

/** Folds the engine's operation map into `ChangeCounts`; reads count as unchanged. */
export function countChanges(ops: OpMap | undefined): ChangeCounts {
  const n = (k: keyof OpMap) => ops?.[k] ?? 0;
  return {
    create: n("create") + n("import"),
    update: n("update"),
    replace: n("replace") + n("import-replacement") + n("read-replacement"),
    delete: n("delete") + n("discard"),
    same: n("same") + n("read") + n("refresh"),
  };
}

export function hasChanges(c: ChangeCounts): boolean {
  return c.create + c.update + c.replace + c.delete > 0;
}

export const MASK = "[secret]";

/** Stack outputs as plain JSON, each secret one replaced by MASK. */
export function maskOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? MASK : o.value]));
}

/** What a run ends with: printed by `formatSummary`, written by `--json`. */
export interface RunSummary {
  command: Command;
  stack: string;
  exitCode: ExitCode;
  /** One short line when the run failed. */
  error?: string;
  durationMs: number;
  /** Absent for `outputs` and for runs that failed before the engine ran. */
  changes?: ChangeCounts;
  /** Masked (see maskOutputs). */
  outputs?: Record<string, unknown>;
  /** Absolute folder of the rendered manifests, on stacks that render instead of applying. */
  renderedManifests?: string;
  /** One-line notes said once instead of repeated engine warnings (see tools/quiet-output.ts). */
  notes?: string[];
  backend: string;
}

/** The closing summary, in the words of an operator. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const status = s.exitCode === EXIT.ok ? "succeeded" : s.exitCode === EXIT.changes ? "found changes" : s.exitCode === EXIT.destructive ? "was refused" : "failed";
  lines.push(`${s.command} of stack ${s.stack} ${status} in ${(s.durationMs / 1000).toFixed(1)} s (exit ${s.exitCode})`);
  if (s.error) lines.push(...s.error.split("\n").map(l => `  ${l}`));
  if (s.changes) {
    const c = s.changes;
    const tense = s.command === "preview" || (s.exitCode !== EXIT.ok && s.command !== "refresh") ? "to " : "";
    const w = (n: number, verb: string) => `${n} ${tense === "" ? verb + "d" : tense + verb}`;
    lines.push(`  resources: ${[w(c.create, "create"), w(c.update, "update"), w(c.replace, "replace"), w(c.delete, "delete")].join(", ")}, ${c.same} unchanged`);
  }
  for (const note of s.notes ?? []) lines.push(`  ${note}`);
  if (s.outputs && Object.keys(s.outputs).length > 0) {
    lines.push("  outputs:");
    for (const [k, v] of Object.entries(s.outputs)) {
      const text = JSON.stringify(v, null, 2).split("\n").join("\n      ");
      lines.push(`    ${k}: ${text}`);
    }
  }
  if (s.renderedManifests && s.exitCode === EXIT.ok && (s.command === "up" || s.command === "destroy")) {
    const ns = typeof s.outputs?.namespace === "string" ? s.outputs.namespace : undefined;
    lines.push(...renderHint(s.command, s.renderedManifests, ns));
  }
  return lines.join("\n");
}

/** Where the manifests went, and how to run them on a kind or minikube cluster. */
export function renderHint(command: "up" | "destroy", dir: string, namespace?: string): string[] {
  const shown = path.relative(process.cwd(), dir) || ".";
  if (command === "destroy") return [`  rendered manifests removed from ${shown}/`];
  return [
    `  manifests: ${shown}/ (rendered, not applied: no cluster is configured)`,
    "  to run them on a kind or minikube cluster, install the add-ons they rely on first —",
    "  cert-manager (with a ClusterIssuer named as ingress.clusterIssuer), ingress-nginx and KEDA (its CRDs) —",
    // kubectl applies a folder in file-name order: the namespace first, or its objects race it.
    ...(namespace ? [`  then: kubectl apply -f ${shown}/1-manifest/v1-namespace-default-${namespace}.yaml`] : []),
    `  ${namespace ? "and" : "then"}: kubectl apply -R -f ${shown}/`,
    "  (or set kubernetes.kubeconfig / kubernetes.context on the stack to have `up` apply them itself)",
  ];
}

/** Lines of engine output that say what went wrong, without duplicates. */
function errorLines(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const m = /^error: (.*)$/.exec(line);
    if (m && m[1] !== "" && !/^update failed$|^preview failed$|^an error occurred while advancing the preview/.test(m[1])) seen.add(m[1]);
  }
  return [...seen];
}

/**
 * Maps the engine's output of a failed run to an exit code and one short message. The
 * program's ConfigError lines (`<project>:<key> must be ...`) are surfaced as they are.
 */
export function classifyFailure(command: Command, stack: string, text: string): { exitCode: ExitCode; message: string } {
  const configLines = [...new Set(text.match(/[a-z0-9][a-z0-9-]*:[A-Za-z0-9_.[\]-]+ must be [^\n]*/g) ?? [])].map(l => l.trim());
  if (/Invalid stack configuration:/.test(text) && configLines.length > 0) {
    return { exitCode: EXIT.config, message: `stack ${stack} has invalid config:\n  ${configLines.join("\n  ")}` };
  }
  // The engine's own check of the stack config against Pulumi.yaml's declarations (a mapping set to
  // a single value, a list that is not one) comes before the program runs: the same exit code.
  const engineConfig = /Stack '[^']*' (?:with configuration key '[^']+' must be [^\n]*|is missing configuration values? [^\n]*)/.exec(text);
  if (engineConfig) {
    return { exitCode: EXIT.config, message: `stack ${stack} has invalid config (checked by the engine against Pulumi.yaml):\n  ${engineConfig[0].trim()}` };
  }
  // `refresh` words it "no changes were expected for refresh but ...".
  if (/no changes were expected (for \w+ )?but changes (were proposed|occurred)/.test(text)) {
    return { exitCode: EXIT.changes, message: `--expect-no-changes: the engine found changes on stack ${stack}` };
  }
  const plugin = /no resource plugin '([^']+)' found[^\n]*/.exec(text) ?? /(?:could not|failed to) (?:load|find) (?:language|resource) plugin[^\n]*/.exec(text);
  if (plugin) {
    return { exitCode: EXIT.noEngine, message: `${plugin[0].trim()}\n${ENGINE_HINT}` };
  }
  if (/no stack named .* found/.test(text)) {
    return { exitCode: EXIT.noStack, message: `stack ${stack} does not exist in this backend yet: run \`npm run deploy -- up --stack ${stack}\` first` };
  }
  if (/incorrect passphrase|passphrase must be set/i.test(text)) {
    return { exitCode: EXIT.secrets, message: `the passphrase does not decrypt stack ${stack}'s secrets: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the one it was created with` };
  }
  const lines = errorLines(text);
  return { exitCode: EXIT.failed, message: `${command} failed${lines.length ? ":\n  " + lines.slice(0, 8).join("\n  ") : " (see the engine output above)"}` };
}

export const ENGINE_HINT =
  "Install the Pulumi CLI with the official installer (curl -fsSL https://get.pulumi.com | sh), " +
  "or, where only package registries are reachable, see docs/operations.md, \"The engine\" (building it from published Go modules: .ci/README.md).";

/** Where PulumiCommand.install fetches the official installer from. */
export const INSTALL_SCRIPT_URL = "https://get.pulumi.com/install.sh";

/**
 * Why fetching `url` failed, in words. Node's fetch says only "fetch failed" and keeps the network
 * error in `cause` (ENOTFOUND and so on), which is what a person needs to know what to fix.
 */
export function explainFetchError(url: string, e: unknown): string {
  const host = new URL(url).host;
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  const code = err?.cause?.code ?? err?.name;
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${host} does not resolve on this machine (${code}): no internet here, or only package registries are reachable`;
    case "ECONNREFUSED":
      return `${host} refused the connection (ECONNREFUSED)`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "TimeoutError":
      return `${host} did not answer in time (${code}): a firewall or proxy may be dropping the traffic`;
    default:
      return `${host}: ${err?.cause?.message ?? err?.message ?? String(e)}`;
  }
}

/** " (why url cannot be fetched)", or "" when it can. */
export async function unreachableReason(url: string): Promise<string> {
  try {
    const r = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
    return r.ok ? "" : ` (${new URL(url).host} answers HTTP ${r.status})`;
  } catch (e) {
    return ` (${explainFetchError(url, e)})`;
  }
}

/** The env the engine runs with, or a DriverError(EXIT.secrets) when the stack has no secrets provider. */
export function engineEnv(stack: string, env: Readonly<NodeJS.ProcessEnv>, stackFile: string | undefined, root = REPO_ROOT): Record<string, string> {
  const vars: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Plugins come from `pulumi plugin install` (the driver runs it before each run), not from a download mid-run
    // (the build machines cannot reach the internet); set it to false to let the engine fetch them.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION || "true",
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL || `file://${path.join(root, DEFAULT_STATE_DIR)}`,
    // `npm test` type-checks the program; the engine only transpiles it (saves seconds per run).
    PULUMI_NODEJS_TRANSPILE_ONLY: env.PULUMI_NODEJS_TRANSPILE_ONLY || "true",
    // The program owns every field it sets: `up` takes back a field someone changed by hand (kubectl
    // scale, set env, label), which `refresh --expect-no-changes` reports as drift first. Without it the
    // provider's server-side apply stops at the first such field with a conflict error (measured on a
    // real API server, docs/cluster.md). Set it to false to have `up` fail on those conflicts instead.
    PULUMI_K8S_ENABLE_PATCH_FORCE: env.PULUMI_K8S_ENABLE_PATCH_FORCE || "true",
  };
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  if (stack === "local") {
    if (!hasPassphrase) vars.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    return vars;
  }
  if (env.PULUMI_CONFIG_PASSPHRASE === LOCAL_PASSPHRASE) {
    throw new DriverError(`the local dev passphrase is public: stack ${stack} needs a passphrase of its own in PULUMI_CONFIG_PASSPHRASE`, EXIT.secrets);
  }
  const ownProvider = stackFile !== undefined && /^secretsprovider:\s*\S/m.test(stackFile) && !/^secretsprovider:\s*["']?passphrase/m.test(stackFile);
  if (!hasPassphrase && !ownProvider) {
    throw new DriverError(
      `stack ${stack} needs its own secrets provider: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), ` +
      `or give Pulumi.${stack}.yaml a cloud KMS with \`pulumi stack change-secrets-provider\``,
      EXIT.secrets,
    );
  }
  return vars;
}

/** The `@pulumi/pulumi` version this project is pinned to: the CLI the driver looks for. */
export function pinnedPulumiVersion(root = REPO_ROOT): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  return String(pkg.dependencies["@pulumi/pulumi"]).replace(/^[\^~=v]/, "");
}

/** Where PulumiCommand.install puts that version. */
export function pinnedCliRoot(version: string, env: Readonly<NodeJS.ProcessEnv> = process.env): string {
  return path.join(pulumiHome(env), "versions", version);
}

function pulumiHome(env: Readonly<NodeJS.ProcessEnv>): string {
  return env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
}

/**
 * The first install root holding a CLI: the pinned version's, then PULUMI_HOME's own (where the
 * official installer and .ci/install-engine.sh link it); undefined means "look on PATH".
 */
export function installedCliRoot(version: string, env: Readonly<NodeJS.ProcessEnv> = process.env): string | undefined {
  return [pinnedCliRoot(version, env), pulumiHome(env)].find(root => fs.existsSync(path.join(root, "bin", "pulumi")));
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/**
 * Removes `dir` and every folder under it that holds no file, deepest first; folders with a file
 * anywhere below them (a user's own notes, say) are kept. Returns the folders removed.
 */
export function removeEmptyDirs(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const removed = fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? removeEmptyDirs(path.join(dir, e.name)) : []));
  if (fs.readdirSync(dir).length > 0) return removed;
  fs.rmdirSync(dir);
  return [...removed, dir];
}

// ---------------------------------------------------------------------------------------------
// The engine-facing part.

/**
 * The Pulumi CLI to run, found the same way for the driver and `npm run pulumi`: the pinned
 * version's install root, then PULUMI_HOME's, then PATH; failing those, PulumiCommand.install
 * (official download), and failing that, the engine build from Go modules. Each fallback says why
 * the previous step was not possible.
 */
export async function findPulumi(version: string, fetchers: CliFetchers = REAL_CLI_FETCHERS) {
  const { PulumiCommand } = await import("@pulumi/pulumi/automation");
  const root = pinnedCliRoot(version);
  const installed = installedCliRoot(version);
  try {
    return await PulumiCommand.get(installed ? { root: installed } : {});
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    // The SDK reports a missing executable as the spawn error's bare code (-2 is ENOENT).
    const why = /code: -2\b|ENOENT/.test(first) ? "no pulumi executable there or on PATH" : first;
    // A fresh machine with internet access: fetch the pinned CLI the way the Automation API does.
    try {
      console.log(`no Pulumi CLI found (${why}): downloading ${version} into ${root}`);
      return await fetchers.download(root);
    } catch (installError) {
      const failed = `${(installError as Error).message.split("\n")[0]}${await fetchers.unreachable(INSTALL_SCRIPT_URL)}`;
      const built = fetchers.build(`the download of Pulumi CLI ${version} was not possible: ${failed}`) ? installedCliRoot(version) : undefined;
      if (built) return PulumiCommand.get({ root: built });
      throw new DriverError(
        `no usable Pulumi CLI (looked in ${root}/bin, ${pulumiHome(process.env)}/bin, then PATH: ${why}); installing ${version} failed: ${failed}.\n${ENGINE_HINT}`,
        EXIT.noEngine,
      );
    }
  }
}

/**
 * What `findPulumi` reaches outside the machine: the official download, a reachability probe and
 * the engine build. The driver uses the real ones; unit tests pass stand-ins, so none of them
 * downloads or builds anything.
 */
export interface CliFetchers {
  /** Downloads the pinned CLI into `root` (PulumiCommand.install). */
  download(root: string): Promise<PulumiCommand>;
  /** Why `url` cannot be reached, as a parenthesised phrase; "" when it can. */
  unreachable(url: string): Promise<string>;
  /** Builds the engine from published Go modules, saying `why` first; whether it succeeded. */
  build(why: string): boolean;
}

export const REAL_CLI_FETCHERS: CliFetchers = {
  // Without a version it installs the SDK's own, which is the pinned @pulumi/pulumi.
  download: async root => (await import("@pulumi/pulumi/automation")).PulumiCommand.install({ root }),
  unreachable: url => unreachableReason(url),
  build: why => buildEngine(REPO_ROOT, why),
};

let engineBuilt = false;

/**
 * The fallback where only package registries are reachable: .ci/install-engine.sh builds the CLI,
 * the language host and the local stack's plugins from published Go modules (about 17 minutes the
 * first time, seconds once built). Runs at most once per driver run, only with Go on PATH, and
 * never when SCAI_NO_ENGINE_BUILD=true. Whether it ran and succeeded.
 */
function buildEngine(root: string, why: string): boolean {
  const script = path.join(root, ".ci", "install-engine.sh");
  if (engineBuilt || process.env.SCAI_NO_ENGINE_BUILD === "true" || !fs.existsSync(script)) return false;
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) return false;
  engineBuilt = true;
  console.log(`${why}\nbuilding the engine from published Go modules instead (.ci/install-engine.sh; ~17 min the first time)`);
  return spawnSync("bash", [script], { stdio: "inherit" }).status === 0;
}

/** A plain top-level value of this project's config in a stack file, or undefined. */
function stackSetting(stackFile: string | undefined, key: string): string | undefined {
  // A nested key is a path into the structured value (`scai-platform:dns: {zoneId: ...}`); the
  // program refuses malformed or unknown config itself, so a file that does not parse reads as unset.
  let v: unknown;
  try {
    v = ((yaml.load(stackFile ?? "") ?? {}) as { config?: Record<string, unknown> }).config ?? {};
  } catch {
    return undefined;
  }
  const [top, ...rest] = key.split(".");
  for (const k of [`scai-platform:${top}`, ...rest]) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null || typeof v === "object" ? undefined : String(v);
}

/**
 * Resource plugins the program loads on this stack, at the versions of their npm packages (npm
 * does not run their install scripts). A stack on the local profile with in-cluster data
 * services and no hosted zone never touches AWS or Docker.
 */
export function requiredPlugins(stack: string, stackFile?: string, root = REPO_ROOT): Array<{ name: string; version: string }> {
  const deps: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).dependencies;
  const profile = stackSetting(stackFile, "profile") ?? stack;
  const dataServices = stackSetting(stackFile, "dataServices") ?? (profile === "local" ? "in-cluster" : "aws");
  const awsFree = profile === "local" && dataServices === "in-cluster" && stackSetting(stackFile, "dns.zoneId") === undefined;
  const names = awsFree ? ["kubernetes", "random"] : ["kubernetes", "random", "aws", "docker"];
  return names.map(name => ({ name, version: `v${deps[`@pulumi/${name}`].replace(/^[\^~=v]/, "")}` }));
}

async function run(args: DriverArgs, started: number, quiet: QuietOutput, fetchers: CliFetchers): Promise<RunSummary> {
  const auto = await import("@pulumi/pulumi/automation");
  const root = REPO_ROOT;
  const stackFilePath = path.join(root, `Pulumi.${args.stack}.yaml`);
  const stackFile = fs.existsSync(stackFilePath) ? fs.readFileSync(stackFilePath, "utf8") : undefined;
  if (stackFile === undefined) {
    throw new DriverError(`no stack config ${path.relative(process.cwd(), stackFilePath) || stackFilePath}: create it (docs/configuration.md lists every key; Pulumi.local.yaml is the smallest example)`, EXIT.noStack);
  }
  const envVars = engineEnv(args.stack, process.env, stackFile, root);
  if (envVars.PULUMI_BACKEND_URL.startsWith("file://")) fs.mkdirSync(envVars.PULUMI_BACKEND_URL.slice("file://".length), { recursive: true });
  const pulumiCommand = await findPulumi(pinnedPulumiVersion(root), fetchers);

  const wsArgs = { stackName: args.stack, workDir: root };
  const wsOpts = { pulumiCommand, envVars };
  const stack = args.command === "preview" || args.command === "up"
    ? await auto.LocalWorkspace.createOrSelectStack(wsArgs, wsOpts)
    : await auto.LocalWorkspace.selectStack(wsArgs, wsOpts);

  // Already-installed plugins are left alone; missing ones are fetched where the internet is reachable.
  for (const { name, version } of requiredPlugins(args.stack, stackFile, root)) {
    try {
      await stack.workspace.installPlugin(name, version).catch(e => {
        if (!fetchers.build(`resource plugin ${name} ${version} could not be installed: ${(e as Error).message.split("\n")[0]}`)) throw e;
        return stack.workspace.installPlugin(name, version);
      });
    } catch (e) {
      throw new DriverError(`resource plugin ${name} ${version} is not installed and could not be fetched: ${(e as Error).message.split("\n")[0]}\n${ENGINE_HINT}`, EXIT.noEngine);
    }
  }

  const stream = {
    color: process.stdout.isTTY ? "always" as const : "never" as const,
    // Through QuietOutput: the provider's per-Secret plaintext warning becomes one note at the end.
    onOutput: (s: string) => quiet.push(s),
    onError: (s: string) => process.stderr.write(s),
    onEvent: quiet.event,
  };
  const policyPacks = args.policyPack !== undefined && fs.existsSync(args.policyPack) ? [path.resolve(args.policyPack)] : undefined;
  if (args.policyPack !== undefined && policyPacks === undefined) console.log(`policy pack ${args.policyPack} not found: running without it`);

  let changes: ChangeCounts | undefined;
  let outputs: OutputMap | undefined;
  const allowance: Allowance = { names: args.allowReplace, all: args.allowDataLoss };
  const refused = (v: GuardVerdict, counts?: ChangeCounts) =>
    summary(args, started, envVars, { changes: counts, exitCode: EXIT.destructive, error: formatRefusal(args.stack, v) });
  switch (args.command) {
    case "preview": {
      const steps: PlannedStep[] = [];
      // Drift is judged from the change summary rather than the CLI flag, so the summary still prints.
      const r = await stack.preview({ ...stream, policyPacks, diff: args.expectNoChanges, onEvent: both(quiet.event, collectSteps(steps)) });
      changes = countChanges(r.changeSummary);
      const verdict = judgePlan(steps, allowance);
      for (const line of formatAllowed(verdict)) console.log(line);
      if (verdict.refused.length > 0) return refused(verdict, changes);
      break;
    }
    case "up": {
      // The guard previews first: a replacement must be refused before the engine deletes anything.
      // A stack without resources has nothing to lose, and --allow-data-loss needs no plan to judge.
      if (!args.allowDataLoss && (await resourceCount(stack)) > 0) {
        console.log("guard: previewing the plan for replacements or deletions of resources that hold data");
        const steps: PlannedStep[] = [];
        await stack.preview({ ...stream, policyPacks, onEvent: both(quiet.event, collectSteps(steps)) });
        const verdict = judgePlan(steps, allowance);
        if (verdict.refused.length > 0) return refused(verdict);
        for (const line of formatAllowed(verdict)) console.log(line);
      }
      const r = await stack.up({ ...stream, policyPacks, expectNoChanges: args.expectNoChanges || undefined });
      changes = countChanges(r.summary.resourceChanges);
      outputs = r.outputs;
      break;
    }
    case "refresh": {
      const r = await stack.refresh({ ...stream, expectNoChanges: args.expectNoChanges || undefined });
      changes = countChanges(r.summary.resourceChanges);
      outputs = await stack.outputs();
      break;
    }
    case "destroy": {
      const before = await stack.outputs();
      const r = await stack.destroy({ ...stream });
      changes = countChanges(r.summary.resourceChanges);
      outputs = {};
      const rendered = before.renderedManifests?.value;
      // The provider deletes each manifest but not the folders it made (0-crd/, 1-manifest/).
      if (typeof rendered === "string") removeEmptyDirs(path.resolve(root, rendered));
      if (typeof rendered === "string") return summary(args, started, envVars, { changes, outputs: {}, renderedManifests: path.resolve(root, rendered) });
      break;
    }
    case "outputs":
      outputs = await stack.outputs();
      break;
  }
  const rendered = outputs?.renderedManifests?.value;
  const drift = args.expectNoChanges && changes !== undefined && hasChanges(changes);
  return summary(args, started, envVars, {
    changes,
    outputs: outputs && maskOutputs(outputs),
    renderedManifests: typeof rendered === "string" ? path.resolve(root, rendered) : undefined,
    exitCode: drift ? EXIT.changes : EXIT.ok,
    error: drift ? `--expect-no-changes: the engine found changes on stack ${args.stack}` : undefined,
  });
}

/** Two onEvent handlers as one. */
function both(a: (e: EngineEvent) => void, b: (e: EngineEvent) => void): (e: EngineEvent) => void {
  return e => { a(e); b(e); };
}

/** An onEvent handler that records each step the engine plans (its `resourcePreEvent`s). */
export function collectSteps(into: PlannedStep[]): (e: EngineEvent) => void {
  return e => {
    const m = e.resourcePreEvent?.metadata;
    if (m) into.push({ op: m.op, urn: m.urn, type: m.type });
  };
}

/** Resources in the stack's state (0 for a new stack). */
async function resourceCount(stack: { exportStack(): Promise<{ deployment?: { resources?: unknown[] } }> }): Promise<number> {
  const state = await stack.exportStack();
  return state.deployment?.resources?.length ?? 0;
}

function summary(args: DriverArgs, started: number, envVars: Record<string, string> | undefined, rest: Partial<RunSummary>): RunSummary {
  return {
    command: args.command,
    stack: args.stack,
    exitCode: EXIT.ok,
    durationMs: Date.now() - started,
    backend: envVars?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL ?? `file://${path.join(REPO_ROOT, DEFAULT_STATE_DIR)}`,
    ...rest,
  };
}

/** Runs one command; returns the exit code (never throws). `fetchers`: how a missing CLI is obtained (tests stub it). */
export async function main(argv: readonly string[], fetchers: CliFetchers = REAL_CLI_FETCHERS): Promise<ExitCode> {
  const started = Date.now();
  let args: DriverArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return e instanceof DriverError ? e.exitCode : EXIT.usage;
  }
  let result: RunSummary;
  const quiet = new QuietOutput(s => process.stdout.write(s));
  try {
    result = await run(args, started, quiet, fetchers);
  } catch (e) {
    if (e instanceof DriverError) {
      result = summary(args, started, undefined, { exitCode: e.exitCode, error: e.message });
    } else {
      const { CommandError } = await import("@pulumi/pulumi/automation");
      const text = e instanceof CommandError ? e.message : String((e as Error)?.stack ?? e);
      const { exitCode, message } = classifyFailure(args.command, args.stack, text);
      result = summary(args, started, undefined, { exitCode, error: message });
    }
  }
  quiet.end();
  const note = plaintextNote(quiet.secrets, result.renderedManifests && (path.relative(process.cwd(), result.renderedManifests) || "."));
  if (note) result.notes = [...(result.notes ?? []), note];
  if (result.renderedManifests && result.command === "up" && result.exitCode === EXIT.ok) {
    const files = yamlFiles(result.renderedManifests).length;
    console.log(`\n${files} manifest files in ${result.renderedManifests}`);
  }
  console.log("\n" + formatSummary(result));
  if (args.json !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
  }
  return result.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => process.exit(code));
}
