/**
 * Upgrading a deployed stack across the refactor that made systems components and moved the code
 * into layers and a package: `local` is deployed by the program as it was before
 * (BASELINE, taken from git history), then the current program previews the same stack and state.
 * Proves on the real engine what the URN snapshots prove under mocks: nothing is created,
 * replaced or deleted; the only updates are the system components recording their settings.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { RunSummary, installedCliRoot, pinnedPulumiVersion } from "../../tools/driver";
import { ROOT } from "../harness";
import { runDriver } from "./driver-run";

/** The last commit before the refactor (2026-12-03): systems with `(ctx, settings)`, no package. */
const BASELINE = "095e0f07c68634e20de7d056b59300ee323caab0";
const LEAVE_OUT = new Set([".git", "node_modules", "rendered", ".pulumi-state", "bin", "test", ".ci", ".github", ".scan", "policy"]);

interface Run { code: number; output: string; summary?: RunSummary }

describe("upgrading a deployed local stack from the pre-refactor program", function () {
  let work: string;
  let pulumi: PulumiCommand;
  let backend: string;

  /** The driver of the project in `dir` (its own path to it), on the shared file backend. */
  const driver = (dir: string, script: string, ...args: string[]): Promise<Run> => runDriver({ project: dir, script, backend, pulumi }, ...args);

  before(async function () {
    try {
      execFileSync("git", ["-C", ROOT, "cat-file", "-e", `${BASELINE}^{commit}`], { stdio: "ignore" });
    } catch {
      // A shallow clone has no history; .ci/run works on a full clone, where this never skips.
      console.log(`      skipped: commit ${BASELINE.slice(0, 7)} is not in this clone's history (shallow clone?)`);
      this.skip();
    }
    const root = installedCliRoot(pinnedPulumiVersion());
    pulumi = await PulumiCommand.get(root ? { root } : {});
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-upgrade-"));
    backend = `file://${path.join(work, "state")}`;
    fs.mkdirSync(path.join(work, "state"));
    for (const dir of ["old", "new"]) fs.mkdirSync(path.join(work, dir));
    const tar = path.join(work, "old.tar");
    execFileSync("git", ["-C", ROOT, "archive", "--format=tar", `--output=${tar}`, BASELINE]);
    execFileSync("tar", ["-xf", tar, "-C", path.join(work, "old")]);
    for (const entry of fs.readdirSync(ROOT)) {
      if (!LEAVE_OUT.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(work, "new", entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    // The baseline needs nothing the current lockfile lacks (same dependency versions).
    for (const dir of ["old", "new"]) fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, dir, "node_modules"), "dir");
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("the current program previews the baseline's deployment with nothing created, replaced or deleted", async () => {
    const up = await driver(path.join(work, "old"), "stacks/driver.ts", "up", "--stack", "local");
    assert.strictEqual(up.code, 0, `baseline up: ${up.output.slice(-3000)}`);
    assert.ok((up.summary?.changes?.create ?? 0) > 200, `baseline created ${up.summary?.changes?.create}`);
    // The stack's encryption salt, written by the first run, travels with the stack file.
    fs.copyFileSync(path.join(work, "old", "Pulumi.local.yaml"), path.join(work, "new", "Pulumi.local.yaml"));

    const preview = await driver(path.join(work, "new"), "tools/driver.ts", "preview", "--stack", "local");
    assert.strictEqual(preview.code, 0, preview.output.slice(-3000));
    const { create, replace, delete: deleted, update, same } = preview.summary!.changes!;
    assert.deepStrictEqual({ create, replace, delete: deleted }, { create: 0, replace: 0, delete: 0 }, preview.output.slice(-3000));
    const updated = preview.output.split("\n").filter(l => /^\s*~\s+\S+:\S+ \S+ update/.test(l)).map(l => l.trim().split(/\s+/).slice(1, 3).join(" "));
    assert.strictEqual(updated.length, update, `${JSON.stringify(updated)}\n${preview.output.slice(-3000)}`);
    assert.deepStrictEqual(updated.filter(u => !u.startsWith("scai:system:")), [], "only the system components change (their recorded settings)");
    console.log(`      ${update} system components record their settings; ${same} resources unchanged`);
  });
});
