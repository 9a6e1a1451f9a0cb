/**
 * Collapses the kubernetes provider's per-Secret warning in the engine's progress output into one
 * line. In render mode (no cluster: `local`) the provider warns once per Secret, in Check, that
 * "rendered YAML will contain a secret value in plaintext"; the CLI prints that inline with the
 * resource's progress and again under "Diagnostics:", and `up` adds one more per Secret when it
 * writes the file (under Diagnostics, with no resource named): up to six lines per Secret. That is
 * expected here (a rendered Secret is what `kubectl apply` takes), so the driver says it once,
 * naming the Secrets and the folder they are in (`plaintextNote`).
 *
 * Pure: text in, text out. The driver (tools/driver.ts) feeds the engine's output through it.
 */

/** The provider's warning text (pulumi-kubernetes, provider Check in YAML render mode). */
export const PLAINTEXT_WARNING = "rendered YAML will contain a secret value in plaintext";

/**
 * Both forms of it: Check's, and Create's and Update's once the file is written ("rendered file
 * rendered/local/1-manifest/v1-secret-….yaml contains a secret value in plaintext", which the CLI
 * prints under Diagnostics with no resource heading: the bare `warning:` lines of an `up`).
 */
export function isPlaintextWarning(text: string): boolean {
  return text.includes(PLAINTEXT_WARNING) || /rendered file \S+ contains a secret value in plaintext/.test(text);
}

/** `kubernetes:core/v1:Secret (scaidrive-env):` — a resource's heading under Diagnostics. */
const DIAG_HEADING = /^\s+([A-Za-z0-9_-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+) \((.+)\):\s*$/;

/**
 * A line filter over streamed text (chunks need not end at line ends). Lines carrying the
 * plaintext warning are dropped, as is a Diagnostics heading left with nothing under it; the
 * names of the resources it was about are collected in `secrets`.
 */
export class QuietOutput {
  /** Names of the resources the warning was about, in the order first seen. */
  readonly secrets: string[] = [];
  /** How many lines were dropped. */
  dropped = 0;
  private partial = "";
  /** Inside the "Diagnostics:" section (it ends at the next line that starts in column 0). */
  private inDiagnostics = false;
  /** Whether anything of the current Diagnostics section was kept. */
  private diagnosticsKept = false;
  /** Lines held back until what follows shows whether they stay: the section heading, blanks, a resource heading. */
  private held: Array<{ text: string; kind: "section" | "blank" | "heading"; name?: string }> = [];
  /** Drop the blank line that closed a dropped resource's diagnostics. */
  private skipBlank = false;

  constructor(private readonly write: (text: string) => void) {}

  /**
   * An engine event (the Automation API's onEvent): a diagnostic carrying the warning names its
   * resource by URN, whatever the text display does with it. Bound, so it can be passed as is.
   */
  readonly event = (e: { diagnosticEvent?: { urn?: string; message: string } }): void => {
    const d = e.diagnosticEvent;
    if (!d || !isPlaintextWarning(d.message) || !d.urn) return;
    const name = d.urn.slice(d.urn.lastIndexOf("::") + 2);
    if (name && !this.secrets.includes(name)) this.secrets.push(name);
  };

  /** Feeds a chunk of output; complete lines are filtered and written. */
  push(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line + "\n");
  }

  /** Writes whatever is held back (a last line with no newline, held headings). */
  end(): void {
    if (this.partial !== "") this.line(this.partial);
    this.partial = "";
    this.release();
  }

  private line(text: string): void {
    const plain = stripAnsi(text).replace(/\r?\n$/, "");
    if (isPlaintextWarning(plain)) return this.drop(plain);
    if (this.inDiagnostics && /^\S/.test(plain)) this.closeDiagnostics();
    if (plain === "Diagnostics:") {
      this.release();
      this.inDiagnostics = true;
      this.diagnosticsKept = false;
      this.held.push({ text, kind: "section" });
      return;
    }
    if (!this.inDiagnostics) return this.write(text);
    if (plain.trim() === "") {
      if (this.skipBlank) { this.skipBlank = false; this.dropped++; return; }
      this.held.push({ text, kind: "blank" });
      return;
    }
    this.skipBlank = false;
    const heading = DIAG_HEADING.exec(plain);
    if (heading) { this.held.push({ text, kind: "heading", name: heading[2] }); return; }
    this.diagnosticsKept = true;
    this.release();
    this.write(text);
  }

  /** A line carrying the warning: dropped, with its resource heading under Diagnostics. */
  private drop(plain: string): void {
    const last = this.held[this.held.length - 1];
    const heading = last?.kind === "heading" ? last : undefined;
    const name = heading?.name ?? progressName(plain);
    if (name !== undefined && !this.secrets.includes(name)) this.secrets.push(name);
    if (heading) { this.held.pop(); this.dropped++; }
    if (this.inDiagnostics) this.skipBlank = true;
    this.dropped++;
  }

  /** The section ended: held lines stay if anything of it was kept, else the heading goes too. */
  private closeDiagnostics(): void {
    if (!this.diagnosticsKept) {
      this.dropped += this.held.filter(h => h.kind !== "blank").length;
      this.held = this.held.filter(h => h.kind === "blank").slice(0, 1);
    }
    this.release();
    this.inDiagnostics = false;
    this.skipBlank = false;
  }

  private release(): void {
    for (const h of this.held) this.write(h.text);
    this.held = [];
  }
}

/** The resource name of a progress line (` +  kubernetes:core/v1:Secret scaidrive-env creating (0s) warning: …`). */
function progressName(line: string): string | undefined {
  return /^\s*\S*\s+[A-Za-z0-9_-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+ (\S+)/.exec(line)?.[1];
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * The one line said instead of the warnings: how many Secrets, which, what they hold and where.
 * `dir` is the folder as shown to the user (relative to the cwd).
 */
export function plaintextNote(secrets: readonly string[], dir: string | undefined): string | undefined {
  if (secrets.length === 0) return undefined;
  const where = dir ? `${dir}/1-manifest/v1-secret-*.yaml` : "the rendered manifests";
  return `note: ${secrets.length} rendered Secret${secrets.length === 1 ? "" : "s"} (${secrets.join(", ")}) hold the generated passwords, keys and connection URLs ` +
    `base64-encoded, not encrypted, in ${where} (gitignored), as kubectl applies them; the state keeps them encrypted ` +
    `(the provider's "${PLAINTEXT_WARNING}" warnings, two per Secret, are collapsed into this line)`;
}
