/**
 * @scai/platform-components as another repository gets it: `npm pack` of the workspace package,
 * installed from the tarball into a fresh temporary project (dependencies from the npm registry
 * or its cache), then test/package/consumer.ts type-checked against the installed declarations
 * and run under mocks. Proves the package ships compiled JavaScript, declarations, entry points
 * and dependencies that work outside this repository. Run by .ci/integration.sh.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../harness";

const PKG_DIR = path.join(ROOT, "packages", "platform-components");
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("the components package, packed and installed in a fresh project", function () {
  let work: string;
  let tarball: string;
  let files: string[];

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-package-"));
    const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", work], PKG_DIR))[0];
    tarball = path.join(work, packed.filename);
    files = packed.files.map((f: { path: string }) => f.path);
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("the tarball holds compiled JavaScript, declarations, the README and package.json, and no sources", () => {
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/outputs.js", "dist/outputs.d.ts", "dist/config/image-ref.js", "dist/systems/scaidrive.d.ts"]) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    assert.deepStrictEqual(files.filter(f => f.startsWith("src/") || f.endsWith(".ts") && !f.endsWith(".d.ts") || f.includes("tsbuildinfo")), []);
  });

  it("installs into a project that has nothing else, type-checks a program using it (strict), and runs it under mocks", () => {
    const project = path.join(work, "consumer");
    fs.mkdirSync(project);
    const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({
      name: "consumer", version: "1.0.0", private: true,
      dependencies: { "@scai/platform-components": `file:${tarball}`, "@pulumi/pulumi": rootPkg.dependencies["@pulumi/pulumi"] },
      devDependencies: { "@types/node": rootPkg.devDependencies["@types/node"], typescript: rootPkg.devDependencies.typescript },
    }, null, 2));
    for (const f of ["consumer.ts", "mocks.ts", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, "test", "package", f), path.join(project, f));
    // Install scripts fetch provider plugins, which a program under mocks does not run.
    npm(["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], project);
    assert.ok(fs.lstatSync(path.join(project, "node_modules", "@scai", "platform-components")).isDirectory(), "installed as a copy, not a link");

    execFileSync(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: project, encoding: "utf8" });
    const out = execFileSync(process.execPath, [path.join(project, "out", "consumer.js")], { cwd: project, encoding: "utf8" });
    const lines = out.trim().split("\n").map(l => JSON.parse(l));
    const result = lines.find(l => l.url !== undefined);
    const { registered } = lines.find(l => l.registered !== undefined);
    assert.deepStrictEqual(result, {
      url: "https://drive-a.example.org",
      api: "http://drive-a-api.tenants.svc.cluster.local:8000",
      remote: "https://drive.example.org",
      replicas: 2,
    });
    for (const r of ["scai:system:ScaiDrive drive-a", "kubernetes:apps/v1:Deployment drive-a-api", "kubernetes:batch/v1:Job drive-a-migrate", "kubernetes:core/v1:Secret drive-a-env"]) {
      assert.ok(registered.some((x: string) => x === r || x.startsWith(`${r}-`)), `${r} registered (got ${registered.length} resources)`);
    }
  });
});
