/**
 * The driver's output: the kubernetes provider's per-Secret plaintext warning said once, as one
 * note naming the Secrets and their folder; a destroy of a rendering stack leaves no empty folder.
 * On the real engine: test/integration/cli.itest.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT, formatSummary, removeEmptyDirs } from "../../tools/driver";
import { PLAINTEXT_WARNING, QuietOutput, plaintextNote } from "../../tools/quiet-output";

/** What the CLI prints for two Secrets in render mode: inline with progress, then under Diagnostics. */
const ENGINE_OUTPUT = [
  "Updating (local):",
  " +  pulumi:pulumi:Stack scai-platform-local creating (0s) ",
  ` +  kubernetes:core/v1:Secret scaidrive-env creating (0s) warning: ${PLAINTEXT_WARNING}`,
  " +  kubernetes:core/v1:Secret scaidrive-env created (0.01s) ",
  ` +  kubernetes:core/v1:Secret novitai-env creating (0s) warning: ${PLAINTEXT_WARNING}`,
  " +  kubernetes:apps/v1:Deployment scaidrive-api created (0.02s) ",
  "Diagnostics:",
  "  kubernetes:core/v1:Secret (scaidrive-env):",
  `    warning: ${PLAINTEXT_WARNING}`,
  "",
  "  kubernetes:apps/v1:Deployment (scaidrive-api):",
  "    warning: something else worth reading",
  "",
  "  kubernetes:core/v1:Secret (novitai-env):",
  `    \x1b[33mwarning:\x1b[0m ${PLAINTEXT_WARNING}`,
  "",
  "Resources:",
  "    + 4 created",
  "",
].join("\n");

function filter(text: string, chunk: number): { out: string; quiet: QuietOutput } {
  let out = "";
  const quiet = new QuietOutput(s => { out += s; });
  for (let i = 0; i < text.length; i += chunk) quiet.push(text.slice(i, i + chunk));
  quiet.end();
  return { out, quiet };
}

describe("driver output: the plaintext-Secret warning said once", () => {
  for (const chunk of [1, 7, 100000]) {
    it(`drops every line carrying it and the Diagnostics headings left empty, whatever the chunking (${chunk} characters)`, () => {
      const { out, quiet } = filter(ENGINE_OUTPUT, chunk);
      assert.ok(!out.includes(PLAINTEXT_WARNING), out);
      assert.ok(!out.includes("Secret (scaidrive-env)") && !out.includes("Secret (novitai-env)"), out);
      assert.deepStrictEqual(quiet.secrets, ["scaidrive-env", "novitai-env"]);
      // Everything else is kept as it was, in order.
      for (const kept of ["Updating (local):", " +  kubernetes:core/v1:Secret scaidrive-env created (0.01s) ", "Diagnostics:",
        "  kubernetes:apps/v1:Deployment (scaidrive-api):", "    warning: something else worth reading", "Resources:", "    + 4 created"]) {
        assert.ok(out.split("\n").includes(kept), `lost: ${JSON.stringify(kept)}\n${out}`);
      }
      assert.strictEqual(out, [
        "Updating (local):",
        " +  pulumi:pulumi:Stack scai-platform-local creating (0s) ",
        " +  kubernetes:core/v1:Secret scaidrive-env created (0.01s) ",
        " +  kubernetes:apps/v1:Deployment scaidrive-api created (0.02s) ",
        "Diagnostics:",
        "  kubernetes:apps/v1:Deployment (scaidrive-api):",
        "    warning: something else worth reading",
        "",
        "Resources:",
        "    + 4 created",
        "",
      ].join("\n"));
      assert.strictEqual(quiet.dropped, 8);
    });
  }

  it("drops a Diagnostics section that held nothing else, heading and all", () => {
    const text = ["+ 2 to create", "", "Diagnostics:", "  kubernetes:core/v1:Secret (a):", `    warning: ${PLAINTEXT_WARNING}`, "",
      "  kubernetes:core/v1:Secret (b):", `    warning: ${PLAINTEXT_WARNING}`, "", "Resources:", ""].join("\n");
    const { out, quiet } = filter(text, 5);
    assert.strictEqual(out, ["+ 2 to create", "", "Resources:", ""].join("\n"));
    assert.deepStrictEqual(quiet.secrets, ["a", "b"]);
  });

  it("takes the Secrets' names from the engine's diagnostic events too, once each", () => {
    const quiet = new QuietOutput(() => undefined);
    const urn = (n: string) => `urn:pulumi:local::scai-platform::scai:platform:Platform$kubernetes:core/v1:Secret::${n}`;
    quiet.event({ diagnosticEvent: { urn: urn("hridaai-env"), message: `${PLAINTEXT_WARNING}\n` } });
    quiet.event({ diagnosticEvent: { urn: urn("hridaai-env"), message: PLAINTEXT_WARNING } });
    quiet.event({ diagnosticEvent: { urn: urn("other"), message: "something else" } });
    quiet.push(`warning: ${PLAINTEXT_WARNING}\n`);
    assert.deepStrictEqual(quiet.secrets, ["hridaai-env"]);
    assert.strictEqual(quiet.dropped, 1);
  });

  it("also drops the bare per-file form `up` prints when it writes each Secret (no resource heading)", () => {
    const text = ["Updating (local):", "", "Diagnostics:",
      "    warning: rendered file rendered/local/1-manifest/v1-secret-scai-local-rahcp-env.yaml contains a secret value in plaintext", "",
      "    warning: rendered file rendered/local/1-manifest/v1-secret-scai-local-novitai-env.yaml contains a secret value in plaintext", "",
      "Outputs:", "    namespace: \"scai-local\"", ""].join("\n");
    const { out } = filter(text, 3);
    assert.strictEqual(out, ["Updating (local):", "", "Outputs:", "    namespace: \"scai-local\"", ""].join("\n"));
    const quiet = new QuietOutput(() => undefined);
    quiet.event({ diagnosticEvent: { urn: "urn:pulumi:local::scai-platform::kubernetes:core/v1:Secret::rahcp-env", message: "rendered file rendered/local/1-manifest/v1-secret-scai-local-rahcp-env.yaml contains a secret value in plaintext" } });
    assert.deepStrictEqual(quiet.secrets, ["rahcp-env"]);
  });

  it("keeps a last line without a newline", () => {
    assert.strictEqual(filter("a\nb", 1).out, "a\nb");
  });

  it("says it once: how many Secrets, which, what they hold, where, and that the state keeps them encrypted", () => {
    const note = plaintextNote(["scaidrive-env", "novitai-env"], "rendered/local")!;
    assert.ok(!note.includes("\n"));
    assert.match(note, /^note: 2 rendered Secrets \(scaidrive-env, novitai-env\) hold the generated passwords, keys and connection URLs/);
    assert.match(note, /rendered\/local\/1-manifest\/v1-secret-\*\.yaml/);
    assert.match(note, /state keeps them encrypted/);
    assert.match(note, /warnings, two per Secret, are collapsed into this line/);
    assert.strictEqual(plaintextNote([], "rendered/local"), undefined);
  });

  it("the summary prints the note, once", () => {
    const note = plaintextNote(["scaidrive-env"], "rendered/local")!;
    const text = formatSummary({ command: "up", stack: "local", exitCode: EXIT.ok, durationMs: 1000, backend: "file:///x", notes: [note] });
    assert.strictEqual(text.split("\n").filter(l => l.includes("note: 1 rendered Secret ")).length, 1, text);
  });
});

describe("driver: destroy leaves no empty folder in the render dir", () => {
  it("removes empty folders deepest first, the render dir itself when empty, and keeps any with a file", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "scai-empty-"));
    try {
      const dir = path.join(root, "rendered", "local");
      fs.mkdirSync(path.join(dir, "0-crd"), { recursive: true });
      fs.mkdirSync(path.join(dir, "1-manifest", "nested"), { recursive: true });
      assert.deepStrictEqual(removeEmptyDirs(dir).map(d => path.relative(root, d)).sort(),
        ["rendered/local", "rendered/local/0-crd", "rendered/local/1-manifest", "rendered/local/1-manifest/nested"]);
      assert.ok(!fs.existsSync(dir) && fs.existsSync(path.join(root, "rendered")));

      fs.mkdirSync(path.join(dir, "0-crd"), { recursive: true });
      fs.mkdirSync(path.join(dir, "1-manifest"), { recursive: true });
      fs.writeFileSync(path.join(dir, "1-manifest", "my-notes.txt"), "mine");
      assert.deepStrictEqual(removeEmptyDirs(dir).map(d => path.relative(root, d)), ["rendered/local/0-crd"]);
      assert.ok(fs.existsSync(path.join(dir, "1-manifest", "my-notes.txt")));
      assert.deepStrictEqual(removeEmptyDirs(path.join(root, "absent")), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
