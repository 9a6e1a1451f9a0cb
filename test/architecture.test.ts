/**
 * The import graph, as the compiler reads it: layers import only downwards, the program reaches
 * the components package only by its name and its exported entry points, and nothing imports in a circle (type-only imports
 * included, since they tie modules as tightly for a reader).
 *
 *   package config  <  package components  <  package systems  <  package entry points
 *   <  platform/ (stack config and wiring)  <  tools/ and index.ts (CLI tools, the program)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./harness";

const PKG = "packages/platform-components";
const PKG_NAME = "@scai/platform-components";

/** Layers, lowest first; a file may import its own layer or a lower one. */
const LAYERS: Array<[name: string, matches: (file: string) => boolean]> = [
  ["package config", f => f.startsWith(`${PKG}/src/config/`)],
  ["package components", f => f.startsWith(`${PKG}/src/components/`)],
  ["package systems", f => f.startsWith(`${PKG}/src/systems/`)],
  ["package entry points", f => f.startsWith(`${PKG}/src/`)],
  ["platform and policy pack", f => f.startsWith("platform/") || f.startsWith("policy/")],
  ["tools and program", f => f.startsWith("tools/") || f === "index.ts"],
];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : sources(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** Every import, export-from, dynamic import and require of `file`, as written. */
function specifiers(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true).importedFiles.map(i => i.fileName);
}

/** A relative specifier resolved to a repo file, else undefined (a package name). */
function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return [`${base}.ts`, `${base}/index.ts`].find(f => fs.existsSync(path.join(ROOT, f)));
}

const layerOf = (file: string) => LAYERS.findIndex(([, m]) => m(file));

/** The non-test code: the package, the platform, the tools and the program. */
const FILES = [...sources(`${PKG}/src`), ...sources("platform"), ...sources("policy"), ...sources("tools"), "index.ts"];

/** The package's entry points (package.json `exports`) as source files. */
const ENTRY_POINTS: Record<string, string> = { ".": "index", "./outputs": "outputs", "./image-ref": "config/image-ref" };

/** Import edges between repo files, a package-name import standing for the package's entry point. */
function edges(): Array<[string, string, string]> {
  return FILES.flatMap(from => specifiers(from).flatMap((spec): Array<[string, string, string]> => {
    if (spec === PKG_NAME || spec.startsWith(`${PKG_NAME}/`)) {
      const entry = ENTRY_POINTS[`.${spec.slice(PKG_NAME.length)}`];
      assert.ok(entry, `${from} imports ${spec}, which the package does not export`);
      return [[from, `${PKG}/src/${entry}.ts`, spec]];
    }
    const to = resolveRelative(from, spec);
    return to === undefined ? [] : [[from, to, spec]];
  }));
}

/** Every cycle found by depth-first search, each as the chain of files. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe("architecture: one-way layers", () => {
  const all = edges();

  it("the entry points the test knows are the ones the package exports", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, PKG, "package.json"), "utf8"));
    assert.deepStrictEqual(Object.keys(pkg.exports).filter(k => k !== "./package.json"), Object.keys(ENTRY_POINTS));
    for (const [sub, src] of Object.entries(ENTRY_POINTS)) assert.strictEqual(pkg.exports[sub].default, `./dist/${src}.js`);
  });

  it("the main entry point re-exports every module of the package, directly or through the registry (what is not exported cannot be used)", () => {
    const exported = new Set<string>();
    const follow = (file: string) => {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, spec] of text.matchAll(/^export \* from "(\.[^"]+)";$/gm)) {
        const target = resolveRelative(file, spec);
        if (target && !exported.has(target)) { exported.add(target); follow(target); }
      }
    };
    follow(`${PKG}/src/index.ts`);
    const modules = sources(`${PKG}/src`).filter(f => !/\/src\/(index|outputs)\.ts$/.test(f));
    assert.deepStrictEqual(modules.filter(f => !exported.has(f)), []);
  });

  it("every non-test file belongs to a layer", () => {
    assert.deepStrictEqual(FILES.filter(f => layerOf(f) < 0), []);
    assert.ok(FILES.length > 50, `read ${FILES.length} files`);
  });

  it("reads the import graph (a parser that found nothing would pass every rule)", () => {
    assert.ok(all.length > 150, `${all.length} imports between repo files`);
  });

  it("no file imports a higher layer, or a file outside the layers (tests, examples, tools of CI)", () => {
    const outsideLayers = all.filter(([, to]) => layerOf(to) < 0).map(([from, to]) => `${from} imports ${to}`);
    assert.deepStrictEqual(outsideLayers, []);
    const upward = all.filter(([from, to]) => layerOf(to) > layerOf(from))
      .map(([from, to]) => `${from} (${LAYERS[layerOf(from)][0]}) imports ${to} (${LAYERS[layerOf(to)][0]})`);
    assert.deepStrictEqual(upward, []);
  });

  it("the policy pack imports only the package's image-ref entry point (no component, no second SDK)", () => {
    const fromPolicy = all.filter(([from, to]) => from.startsWith("policy/") && !to.startsWith("policy/"));
    assert.deepStrictEqual([...new Set(fromPolicy.map(([, , spec]) => spec))], [`${PKG_NAME}/image-ref`]);
  });

  it("the policy pack's lockfile records the package's dependencies as they are (else `npm ci` in policy/ refuses)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, PKG, "package.json"), "utf8"));
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package-lock.json"), "utf8"));
    const linked = lock.packages["../packages/platform-components"];
    assert.deepStrictEqual([linked.version, linked.dependencies, linked.peerDependencies], [pkg.version, pkg.dependencies, pkg.peerDependencies],
      "run `npm install` in policy/ after changing packages/platform-components/package.json");
  });

  it("the program and tools reach the package by its name, never by a path into it", () => {
    const outside = [...sources("platform"), ...sources("policy"), ...sources("tools"), "index.ts", ...sources("test"), ...sources("examples")];
    const byPath = outside.flatMap(f => specifiers(f).filter(s => s.includes(PKG) || s.includes("platform-components/src")).map(s => `${f}: ${s}`));
    assert.deepStrictEqual(byPath, []);
  });

  it("no import circle, type-only imports included", () => {
    const graph = new Map<string, string[]>(FILES.map(f => [f, []]));
    for (const [from, to] of all) graph.get(from)?.push(to);
    assert.deepStrictEqual(cycles(graph).map(c => c.join(" -> ")), []);
  });

  it("the cycle finder finds a circle through three files, and none in a chain", () => {
    assert.deepStrictEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), [["a", "b", "c", "a"]]);
    assert.deepStrictEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), []);
  });
});
