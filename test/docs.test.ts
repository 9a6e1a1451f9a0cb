/**
 * The documentation a newcomer reads: a README that fits on a few screens, links that resolve,
 * commands that exist and run from the repository root (the `pulumi` ones through
 * `npm run pulumi --`, which test/integration/cli.itest.ts runs on the real engine), and no
 * citation of requirement documents a clone does not have.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EXIT } from "../tools/driver";
import { ROOT } from "./harness";

const README = path.join(ROOT, "README.md");
const DOCS = fs.readdirSync(path.join(ROOT, "docs")).filter(f => f.endsWith(".md")).map(f => path.join(ROOT, "docs", f));
const ALL = [README, ...DOCS, path.join(ROOT, ".ci", "README.md")];
const rel = (f: string) => path.relative(ROOT, f);

/** Inline code spans and code-block lines of a Markdown text. */
function codeOf(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) { inBlock = !inBlock; continue; }
    if (inBlock) out.push(line);
    else for (const m of line.matchAll(/`([^`]+)`/g)) out.push(m[1]);
  }
  return out;
}

describe("docs: README and docs/ for a newcomer", () => {
  it("the README is at most 10 KB", () => {
    const size = fs.statSync(README).size;
    assert.ok(size <= 10 * 1024, `README.md is ${size} bytes`);
  });

  it("the README links every document under docs/ and .ci/README.md", () => {
    const text = fs.readFileSync(README, "utf8");
    for (const f of [...DOCS, path.join(ROOT, ".ci", "README.md")]) assert.ok(text.includes(`](${rel(f)})`), `README does not link ${rel(f)}`);
  });

  it("every relative link resolves to a file of the repository (and its #anchor to a heading)", () => {
    const broken: string[] = [];
    for (const file of ALL) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        const [p, anchor] = target.split("#");
        const dest = p === "" ? file : path.resolve(path.dirname(file), p);
        if (!fs.existsSync(dest)) { broken.push(`${rel(file)}: ${target}`); continue; }
        if (anchor && dest.endsWith(".md")) {
          const slugs = fs.readFileSync(dest, "utf8").split("\n").filter(l => /^#+ /.test(l))
            .map(l => l.replace(/^#+ /, "").trim().toLowerCase().replace(/[^\w\s-]/g, "").replace(/\s/g, "-"));
          if (!slugs.includes(anchor)) broken.push(`${rel(file)}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepStrictEqual(broken, []);
  });

  it("no citation of the systems' requirement documents by number or path (a clone does not have them)", () => {
    const found: string[] = [];
    for (const file of ALL) {
      fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        if (/\bseeds? ?0\d\d\b|seeds\/|\bthe seed'?s?\b/i.test(line)) found.push(`${rel(file)}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    assert.deepStrictEqual(found, []);
  });

  it("every Pulumi CLI command shown goes through `npm run pulumi --`, which works from the root with no setup", () => {
    const bare: string[] = [];
    for (const file of [README, ...DOCS]) {
      for (const code of codeOf(fs.readFileSync(file, "utf8"))) {
        if (/(^|&&|;|\|\||\$ )\s*pulumi [a-z]/.test(code)) bare.push(`${rel(file)}: ${code.trim()}`);
      }
    }
    assert.deepStrictEqual(bare, []);
  });

  it("docs/policy.md lists every rule of the policy pack", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "policy.md"), "utf8");
    const dir = path.join(ROOT, "policy", "rules");
    const names = fs.readdirSync(dir).filter(f => f.endsWith(".ts"))
      .flatMap(f => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/^\s+name: "([a-z0-9-]+)",$/gm)].map(m => m[1]));
    assert.ok(names.length >= 20, `only ${names.length} rules found`);
    assert.deepStrictEqual(names.filter(n => !doc.includes(`\`${n}\``)), []);
  });

  it("docs/operations.md explains every exit code of the driver", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
    const missing = Object.entries(EXIT).filter(([, code]) => !new RegExp(`^\\| ${code} \\| \\S`, "m").test(doc)).map(([k]) => k);
    assert.deepStrictEqual(missing, []);
  });

  it("every `npm run <script>` shown is a script of package.json", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);
    const unknown: string[] = [];
    for (const file of ALL) {
      for (const code of codeOf(fs.readFileSync(file, "utf8"))) {
        for (const m of code.matchAll(/npm run (?:-s |--silent )?([\w:.-]+)/g)) if (!scripts.includes(m[1])) unknown.push(`${rel(file)}: npm run ${m[1]}`);
      }
    }
    assert.deepStrictEqual([...new Set(unknown)], []);
  });
});
