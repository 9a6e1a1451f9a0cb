/**
 * Engine-backed: the driver's destructive-change guard (tools/plan-guard.ts) on the real engine.
 * A config change that replaces the in-cluster database StatefulSets (a new storage class changes
 * their volumeClaimTemplates, which Kubernetes cannot update in place) must be refused by `preview`
 * and by `up` with exit 8, naming each StatefulSet, and `up` must change nothing; the same change
 * goes through once allowed. Runs in a throwaway copy of the project with its own file backend.
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
  summary?: RunSummary;
}

let work: string;
let backend: string;
let pulumi: PulumiCommand;

function driver(...args: string[]): Promise<Run> {
  return runDriver({ project: work, backend, pulumi }, ...args);
}

function expectExit(run: Run, code: number, what: string) {
  assert.strictEqual(run.code, code, `${what}: exit ${run.code}, expected ${code}. Output:\n${run.output.slice(-6000)}`);
}

/** The stack's state as `pulumi stack export` gives it. */
function exportState(): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(pulumi.command, ["stack", "export", "--stack", "local"], { cwd: work, env: { ...process.env, ...engineEnv("local", { PULUMI_BACKEND_URL: backend }, undefined) }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`pulumi stack export: ${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

/** The in-cluster database StatefulSets in the state: URN -> their volumeClaimTemplates' storage class. */
async function databaseStatefulSets(): Promise<Record<string, string | undefined>> {
  const state = await exportState();
  return Object.fromEntries((state.deployment.resources ?? [])
    .filter((r: any) => r.type === "kubernetes:apps/v1:StatefulSet" && /(mariadb|mysql|postgres)/.test(r.urn))
    .map((r: any) => [r.urn, r.inputs?.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName]));
}

function setStackConfig(extra: Record<string, string>) {
  const file = path.join(work, "Pulumi.local.yaml");
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  // Each key is a path into the structured value, as `pulumi config set --path` writes it.
  doc.config = { ...(doc.config ?? {}) };
  for (const [k, v] of Object.entries(extra)) {
    const [top, ...rest] = k.split(".");
    if (rest.length === 0) { doc.config[`scai-platform:${top}`] = v; continue; }
    let node = (doc.config[`scai-platform:${top}`] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] = v;
  }
  fs.writeFileSync(file, yaml.dump(doc));
}

describe("the destructive-change guard on the real engine (local)", function () {
  let databases: Record<string, string | undefined>;

  before(async function () {
    const root = installedCliRoot(pinnedPulumiVersion());
    pulumi = await PulumiCommand.get(root ? { root } : {});
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-guard-"));
    for (const entry of fs.readdirSync(ROOT)) {
      if (LEAVE_OUT.has(entry)) continue;
      fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    fs.mkdirSync(path.join(work, "state"));
    backend = `file://${path.join(work, "state")}`;
    expectExit(await driver("up", "--stack", "local"), EXIT.ok, "first up");
    databases = await databaseStatefulSets();
    assert.ok(Object.keys(databases).length >= 3, `expected the systems' database StatefulSets, found ${Object.keys(databases).join(", ")}`);
    // A change Kubernetes cannot apply in place: the engine plans to replace every StatefulSet with a volume claim.
    setStackConfig({ storageClass: "guard-itest-ssd" });
  });

  after(async () => {
    if (work) await driver("destroy", "--stack", "local");
    if (process.env.SCAI_KEEP_ITEST_DIR !== "true" && work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("`preview` refuses the plan with exit 8 and names each database StatefulSet it would replace", async () => {
    const run = await driver("preview", "--stack", "local");
    expectExit(run, EXIT.destructive, "preview of a plan that replaces StatefulSets");
    const error = run.summary!.error!;
    console.log(error.split("\n").map(l => `      | ${l}`).join("\n"));
    assert.match(error, /^the plan for stack local would replace or delete \d+ resources that hold data:/);
    for (const urn of Object.keys(databases)) assert.ok(error.includes(`replaces StatefulSet ${urn.slice(urn.lastIndexOf("::") + 2)} (${urn})`), error);
    assert.match(run.output, /preview of stack local was refused in [\d.]+ s \(exit 8\)/);
  });

  it("`up` refuses it with exit 8 before the engine changes anything", async () => {
    const run = await driver("up", "--stack", "local");
    expectExit(run, EXIT.destructive, "up of a plan that replaces StatefulSets");
    assert.deepStrictEqual(await databaseStatefulSets(), databases, "up changed the StatefulSets in the state");
  });

  it("an --allow-replace that misses one of them still refuses, and says which value matched nothing", async () => {
    const [first] = Object.keys(databases);
    const run = await driver("preview", "--stack", "local", "--allow-replace", first, "--allow-replace", "no-such-resource");
    expectExit(run, EXIT.destructive, "preview with one allowance");
    assert.ok(!run.summary!.error!.includes(`(${first})`), "an allowed URN is still listed as refused");
    assert.match(run.summary!.error!, /--allow-replace "no-such-resource" matched nothing in this plan/);
    assert.match(run.output, new RegExp(`allowed: replaces StatefulSet \\S+ \\(${first.replace(/[$]/g, "\\$")}\\)`));
  });

  it("`up --allow-data-loss` goes through and replaces them", async () => {
    const run = await driver("up", "--stack", "local", "--allow-data-loss");
    expectExit(run, EXIT.ok, "up with --allow-data-loss");
    assert.ok(run.summary!.changes!.replace >= Object.keys(databases).length, JSON.stringify(run.summary!.changes));
    for (const storageClass of Object.values(await databaseStatefulSets())) assert.strictEqual(storageClass, "guard-itest-ssd");
  });
});
