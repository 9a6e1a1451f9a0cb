/**
 * Reads structured stack config through a schema: one walker for every key, so the program,
 * `config:show` and the tests resolve a value the same way. Problems are appended, never
 * thrown, each `<project>:<key> must be <what is allowed> (got <value>)`, so a caller reports
 * them all at once. Keys the schema does not know are refused with the closest known key.
 */
import { ConfigSource, MASKED } from "./config-source";
import { Field, PROFILES, Profile, Schema, Values, forProfile, isField, showList } from "./schema";

/** Where an effective value came from. */
export type ValueSource = "stack file" | "profile default" | "schema default" | "derived" | "unset";

/** One effective value, as `config:show` prints it. */
export interface Resolved {
  /** Dotted path without the namespace: `scaidrive.api.replicas`. */
  readonly key: string;
  /** The value the program runs with (a secret's is MASKED by whoever prints it). */
  readonly value: unknown;
  readonly source: ValueSource;
  readonly secret: boolean;
}

export interface ReadContext {
  readonly src: ConfigSource;
  readonly profile: Profile;
  readonly problems: string[];
  /** When given, every field read is recorded here. */
  readonly trace?: Resolved[];
}

/** `pulumi config set` with `--path` where the key is nested. */
export function setCommand(key: string, secret: boolean, value = "<value>"): string {
  return `pulumi config set${key.includes(".") ? " --path" : ""}${secret ? " --secret" : ""} ${key} ${value}`;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A value as a person reads it in an error: YAML words, not JSON. */
export function showValue(v: unknown): string {
  if (Array.isArray(v)) return showList(v);
  if (isMapping(v)) return `a mapping of ${Object.keys(v).join(", ") || "nothing"}`;
  return JSON.stringify(v);
}

/** A leaf value as the text `Field.parse` checks: scalars as written, lists as JSON; a mapping has none. */
function rawText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  return undefined;
}

/**
 * The top-level values a source sets, structured: a key whose schema node is a group is parsed
 * from its JSON text into a mapping; a field keeps its text. A group given as anything but a
 * mapping is a problem.
 */
export function topLevelValues(schema: Schema, src: ConfigSource, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of src.keys()) {
    const raw = src.get(key);
    const node = schema[key];
    if (raw === undefined) continue;
    if (node === undefined || isField(node)) {
      out[key] = raw;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    if (isMapping(parsed)) out[key] = parsed;
    else problems.push(`${src.project}:${key} must be a mapping of ${Object.keys(node).join(", ")} (got ${src.isSecret([key]) !== false ? "a value not shown here" : showValue(parsed)})`);
  }
  return out;
}

function sourceOfDefault(f: Field<unknown>): ValueSource {
  const d = f.default;
  const perProfile = d !== null && typeof d === "object" && !Array.isArray(d) && PROFILES.every(p => p in (d as object));
  return perProfile ? "profile default" : "schema default";
}

/**
 * Reads a schema's fields from `values` (the structured value at `prefix`). Missing values take
 * the profile's default; a secret set in plain text is refused except on local.
 */
export function readSchema<S extends Schema>(schema: S, values: Record<string, unknown>, ctx: ReadContext, prefix = ""): Values<S> {
  const { src, profile, problems, trace } = ctx;
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(schema)) {
    const key = prefix + k;
    const full = `${src.project}:${key}`;
    const given = values[k] === null ? undefined : values[k];
    if (!isField(node)) {
      if (given !== undefined && !isMapping(given)) {
        const shown = src.isSecret(key.split(".")) !== false ? "a value not shown here" : showValue(given);
        problems.push(`${full} must be a mapping of ${Object.keys(node).join(", ")} (got ${shown})`);
      }
      out[k] = readSchema(node, isMapping(given) ? given : {}, ctx, `${key}.`);
      continue;
    }
    if (given === undefined) {
      const fallback = node.default === undefined ? undefined : forProfile(node.default, profile);
      if (fallback === undefined && !forProfile(node.optional, profile)) {
        problems.push(node.secret
          ? `${full} must be set with \`${setCommand(key, true)}\` (got nothing)`
          : `${full} must be ${node.expectation} (got nothing; it has no default on the ${profile} profile)`);
      }
      out[k] = fallback;
      trace?.push({ key, value: fallback, source: fallback === undefined ? "unset" : sourceOfDefault(node), secret: node.secret });
      continue;
    }
    const raw = rawText(given);
    const parsed = raw === undefined ? { ok: false as const } : node.parse(raw);
    if (!parsed.ok) {
      // A secret is never echoed back.
      const got = node.secret ? (raw === "" ? "an empty value" : "a value that is not a string") : parsed.detail ?? showValue(given);
      problems.push(`${full} must be ${node.expectation} (got ${got})`);
    } else if (node.secret && src.isSecret(key.split(".")) === false && profile !== "local") {
      problems.push(`${full} must be stored encrypted on the ${profile} profile: run \`${setCommand(key, true)}\` (got a plain-text value)`);
    }
    out[k] = parsed.ok ? parsed.value : undefined;
    trace?.push({ key, value: node.secret ? MASKED : parsed.ok ? parsed.value : given, source: "stack file", secret: node.secret });
  }
  return out as Values<S>;
}

// ---- unknown keys ----------------------------------------------------------------------------

/** Every path the schema knows, groups included (`scaidrive`, `scaidrive.api`, `scaidrive.api.replicas`). */
export function knownPaths(schema: Schema, prefix = ""): string[] {
  return Object.entries(schema).flatMap(([k, v]) => (isField(v) ? [prefix + k] : [prefix + k, ...knownPaths(v, `${prefix}${k}.`)]));
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known path closest to an unknown one, at any depth, or undefined when none is close: a
 * misspelt name (`scaidrive.api.replica`) or a name under the wrong group (`scaidrive.replicas`
 * for `scaidrive.api.replicas`). Ties go to the path sharing the longest prefix.
 */
export function suggest(unknown: string, known: readonly string[]): string | undefined {
  const last = unknown.slice(unknown.lastIndexOf(".") + 1);
  const limit = Math.max(2, Math.ceil(last.length * 0.5));
  let best: { path: string; distance: number; shared: number } | undefined;
  for (const path of known) {
    const distance = editDistance(unknown, path);
    if (distance > limit) continue;
    let shared = 0;
    while (shared < path.length && path[shared] === unknown[shared]) shared++;
    if (!best || distance < best.distance || (distance === best.distance && shared > best.shared)) best = { path, distance, shared };
  }
  return best?.path;
}

/** The schema node at a dotted path, or undefined. */
function nodeAt(schema: Schema, key: string): Field<unknown> | Schema | undefined {
  let node: Field<unknown> | Schema | undefined = schema;
  for (const k of key.split(".")) node = node === undefined || isField(node) ? undefined : node[k];
  return node;
}

/**
 * Problems for every key or nested field the schema does not know, each naming the closest
 * known key. A flat dotted key of the old format (`scaidrive.api.replicas` as one key) gets the
 * commands that move it into its structured place. A value is not echoed when it was stored
 * encrypted or when the key it stands for is a secret (a misspelt `novitai.apikey`).
 */
export function unknownKeyProblems(
  schema: Schema,
  values: Record<string, unknown>,
  project: string,
  isSecret: (path: readonly string[]) => boolean | undefined = () => false,
): string[] {
  const known = knownPaths(schema);
  const problems: string[] = [];
  const secretField = (key: string | undefined) => {
    const node = key === undefined ? undefined : nodeAt(schema, key);
    return node !== undefined && isField(node) && node.secret;
  };
  const walk = (node: Schema, given: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(given)) {
      const key = prefix + k;
      const child = node[k];
      if (child !== undefined) {
        if (!isField(child) && isMapping(v)) walk(child, v, `${key}.`);
        continue;
      }
      const path = prefix === "" ? [k] : [...prefix.slice(0, -1).split("."), k];
      const hidden = isSecret(path) !== false;
      if (prefix === "" && k.includes(".") && nodeAt(schema, k) !== undefined && isField(nodeAt(schema, k)!)) {
        const secret = secretField(k) || hidden;
        const command = setCommand(k, secret, secret ? "<value>" : JSON.stringify(rawText(v) ?? v));
        problems.push(`${project}:${k} must be set as a structured value now, not as one flat key: run \`pulumi config rm ${k}\` and \`${command}\` (got the flat key ${JSON.stringify(k)}; npm run config:migrate converts a whole stack file)`);
        continue;
      }
      const near = suggest(key, known);
      const where = prefix === "" ? "the top level" : prefix.slice(0, -1);
      const hint = near === undefined ? "" : `; did you mean ${project}:${near}?`;
      const shown = hidden || secretField(near) ? "a value not shown here" : showValue(v);
      problems.push(`${project}:${key} must be a key the schema knows${hint} (got ${k}: ${shown}; ${where} takes ${Object.keys(node).join(", ")})`);
    }
  };
  walk(schema, values, "");
  return problems;
}
