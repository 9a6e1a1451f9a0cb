/**
 * The cold engine build is never silent: .ci/engine/progress.sh's `step` names the piece, prints the
 * elapsed time at a fixed interval while it runs, and says how it ended; install-engine.sh runs
 * every long Go command through it and says why the official download is not used.
 */
import * as assert from "assert";
import * as net from "net";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";

const PROGRESS = path.join(ROOT, ".ci", "engine", "progress.sh");

function step(name: string, command: string): { status: number | null; lines: string[] } {
  const r = spawnSync("bash", ["-c", `. "${PROGRESS}" && step "$0" bash -c "$1"`, name, command], {
    cwd: ROOT, encoding: "utf8", env: { ...process.env, SCAI_PROGRESS_SECONDS: "1" },
  });
  return { status: r.status, lines: (r.stdout + r.stderr).split("\n").filter(Boolean) };
}

describe(".ci/engine/progress.sh: progress of the engine build", function () {
  this.timeout(20000);

  it("names the piece, prints its output prefixed, the elapsed time every interval, and the total", () => {
    const { status, lines } = step("building fake piece", "echo compiling; sleep 3.4; echo linked");
    assert.strictEqual(status, 0, lines.join("\n"));
    assert.match(lines[0], /^engine: building fake piece: started \d\d:\d\d:\d\d UTC$/);
    assert.ok(lines.includes("  building fake piece: compiling") && lines.includes("  building fake piece: linked"), lines.join("\n"));
    const ticks = lines.filter(l => /^ {2}building fake piece: still building, \d+ s so far$/.test(l));
    assert.ok(ticks.length >= 2, `only ${ticks.length} progress lines in a 3.4 s step at a 1 s interval:\n${lines.join("\n")}`);
    assert.match(lines[lines.length - 1], /^ {2}building fake piece: done in [34] s$/);
  });

  it("passes a failing command's exit status on and says it failed, with no ticker left running", () => {
    const { status, lines } = step("building broken piece", "echo oops; exit 7");
    assert.strictEqual(status, 7);
    assert.match(lines[lines.length - 1], /^ {2}building broken piece: FAILED after \d+ s \(exit 7\)$/);
    assert.ok(!lines.some(l => /still building/.test(l)));
  });

  it("install-engine.sh runs every go build and module download through step, and says why it builds", () => {
    const script = fs.readFileSync(path.join(ROOT, ".ci", "install-engine.sh"), "utf8");
    const goLines = script.split("\n").filter(l => /\bgo (build|mod download)\b/.test(l) && !/^\s*#/.test(l));
    assert.ok(goLines.length >= 3, goLines.join("\n"));
    // `step` is on the same line or the one before (a continued command).
    const all = script.split("\n");
    for (const l of goLines) {
      const i = all.indexOf(l);
      assert.ok(/\bstep "/.test(l) || /\bstep "[^"]*" \\$/.test(all[i - 1]), `not run through step: ${l.trim()}`);
    }
    assert.match(script, /building from Go modules because \$\(why_no_download\)/);
  });

  it("why_no_download states the reason in words (probed on a loopback port nothing listens on: no network)", async () => {
    // A port that was just free: listen on an ephemeral one, then close it.
    const server = net.createServer();
    await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise(r => server.close(r));
    const r = spawnSync("bash", ["-c", `. "${PROGRESS}" && why_no_download http://127.0.0.1:${port}/install.sh`], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(r.stdout.trim(), `the official download is not possible (127.0.0.1:${port} refused the connection (ECONNREFUSED))`);
  });
});
