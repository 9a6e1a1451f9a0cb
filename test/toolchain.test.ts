/**
 * The Node.js the project declares, the one CI installs and the one the suites run on agree:
 * package.json `engines`, the pinned @types/node (API types of the same major), .ci/node.sh's
 * pinned version and, under CI, the running process.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const major = (v: string) => Number(/(\d+)/.exec(v)?.[1]);

describe("toolchain: Node.js 22 LTS", () => {
  it("package.json engines asks for Node.js >= 22 (20 reached end of life in April 2026)", () => {
    assert.match(pkg.engines.node, /^>=\s*22(\.|$)/);
  });

  it("@types/node is pinned to the same major as engines, in the project and in the policy pack", () => {
    const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
    for (const [where, deps] of [["package.json", pkg.devDependencies], ["policy/package.json", policy.devDependencies]] as const) {
      assert.match(deps["@types/node"], /^\d+\.\d+\.\d+$/, `${where}: @types/node must be an exact version`);
      assert.strictEqual(major(deps["@types/node"]), major(pkg.engines.node), `${where}: @types/node ${deps["@types/node"]}`);
    }
  });

  it(".ci/node.sh installs an exact 22.x, the version CI runs every suite on", () => {
    const script = fs.readFileSync(path.join(ROOT, ".ci", "node.sh"), "utf8");
    const pinned = /NODE_VERSION="\$\{SCAI_NODE_VERSION:-(\d+\.\d+\.\d+)\}"/.exec(script)?.[1];
    assert.ok(pinned, ".ci/node.sh pins no exact version");
    assert.strictEqual(major(pinned), major(pkg.engines.node));
    const run = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    // The PATH change comes before the first npm command, so `npm ci` and every suite use it.
    assert.ok(run.indexOf("bash .ci/node.sh") >= 0 && run.indexOf("bash .ci/node.sh") < run.indexOf("npm ci"), ".ci/run must put .ci/node.sh's Node.js on PATH before npm ci");
    // And an engine warning from npm ci fails the run instead of scrolling by.
    assert.match(run, /grep -q EBADENGINE "\$npm_log"; then [^\n]*status=1/);
  });

  it("npm ci prints no install-script warning: every dependency's install script has a recorded decision (allowScripts)", function () {
    this.timeout(30000);
    const r = spawnSync("npm", ["install-scripts", "ls"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0 && /Unknown command|unknown command/i.test(r.stdout + r.stderr)) this.skip(); // an npm without allowScripts
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No packages with unreviewed install scripts/);
    // Both are denied on purpose: the driver installs the kubernetes plugin itself, and protobufjs's is a version check.
    assert.deepStrictEqual(pkg.allowScripts, { "@pulumi/kubernetes": false, protobufjs: false });
  });

  it("under CI, this suite itself runs on a Node.js that satisfies engines", function () {
    if (process.env.CI !== "true") this.skip();
    assert.ok(major(process.versions.node) >= major(pkg.engines.node), `running on Node.js ${process.versions.node}`);
  });
});
