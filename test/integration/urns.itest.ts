/**
 * Engine-backed check of the URN snapshots (test/urns.ts): the real engine's preview of `local`,
 * in a throwaway copy of the project with a temporary file backend, plans exactly the URNs in
 * test/urns/local.txt, which the unit suite computes under mocks. So a snapshot is the identity
 * a deployed stack has, not an artefact of the mocks. Run by .ci/integration.sh.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { engineEnv, installedCliRoot, pinnedPulumiVersion } from "../../tools/driver";
import { ROOT } from "../harness";
import { readSnapshot } from "../urns";

const LEAVE_OUT = new Set([".git", "node_modules", "rendered", ".pulumi-state", "bin", "test", ".ci", ".github", ".scan", "policy"]);

describe("URN snapshot of local, on the real engine", function () {
  let work: string;
  let pulumi: PulumiCommand;

  const cli = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
    const env = { ...process.env, ...engineEnv("local", { PULUMI_BACKEND_URL: `file://${path.join(work, "state")}` }, undefined) };
    execFile(pulumi.command, args, { cwd: work, env, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`pulumi ${args.join(" ")}: ${stderr}${stdout.slice(-4000)}`)) : resolve(stdout)));
  });

  before(async () => {
    const root = installedCliRoot(pinnedPulumiVersion());
    pulumi = await PulumiCommand.get(root ? { root } : {});
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-urns-"));
    for (const entry of fs.readdirSync(ROOT)) {
      if (!LEAVE_OUT.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    fs.mkdirSync(path.join(work, "state"));
  });

  after(() => {
    if (process.env.SCAI_KEEP_ITEST_DIR !== "true" && work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("`preview --json` plans exactly the URNs of test/urns/local.txt (plus the stack itself)", async () => {
    await cli(["stack", "init", "local", "--non-interactive"]);
    const plan = JSON.parse(await cli(["preview", "--stack", "local", "--json", "--non-interactive"])) as { steps?: Array<{ urn: string }> };
    const planned = [...new Set((plan.steps ?? []).map(s => s.urn))]
      // The root stack and engine-created default providers are not resources of the program.
      .filter(u => !u.includes("::pulumi:pulumi:Stack::") && !/::pulumi:providers:[^:]+::default/.test(u))
      .sort();
    const snapshot = readSnapshot("local");
    assert.ok(snapshot, "no test/urns/local.txt: run `npm run urns:update`");
    const missing = snapshot.filter(u => !planned.includes(u));
    const extra = planned.filter(u => !snapshot.includes(u));
    assert.deepStrictEqual({ missing, extra }, { missing: [], extra: [] },
      "the engine's URNs differ from the mocks' snapshot (test/harness.ts engineUrn, or a stale snapshot)");
    assert.strictEqual(planned.length, snapshot.length);
  });
});
