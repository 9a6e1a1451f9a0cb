/**
 * Where the platform's raw config comes from (the ConfigSource interface is the package's): the
 * program reads Pulumi config; `config:show` reads a stack file; tests hand in a plain map, so no
 * test depends on global runtime state.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ConfigSource, MASKED } from "@scai/platform-components";

// Not in the typings (marked internal): the runtime's list of config keys that hold a secret
// (PULUMI_CONFIG_SECRET_KEYS, set by the language host). A structured key is listed as a whole
// when any value inside it is encrypted.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(fullKey: string): boolean };

/** The leaf at `path` inside a parsed YAML value, or undefined. */
function at(value: unknown, keys: readonly string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const isSecure = (v: unknown): boolean =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 1 && "secure" in (v as object);

/** A stack file's `config:` block, or undefined when there is no such file. */
export function readStackFile(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return doc.config ?? {};
}

/**
 * The stack's Pulumi config (the only config reader of the program). Values come from the
 * runtime. Whether a value is a secret comes from the runtime's secret-key list, which only
 * knows top-level keys; for a nested value inside a listed key, the stack file (which marks each
 * encrypted value `secure:`) says which one, when the program runs beside it.
 */
export function pulumiConfigSource(): ConfigSource {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const config = new pulumi.Config();
  const prefix = `${project}:`;
  let stackFile: Record<string, unknown> | undefined | null = null;
  const fileValue = (keys: readonly string[]) => {
    if (stackFile === null) stackFile = readStackFile(path.join(process.cwd(), `Pulumi.${stack}.yaml`));
    return stackFile === undefined ? undefined : at(stackFile[prefix + keys[0]], keys.slice(1));
  };
  return {
    project,
    stack,
    keys: () => Object.keys(pulumi.runtime.allConfig()).filter(k => k.startsWith(prefix)).map(k => k.slice(prefix.length)),
    get: key => config.get(key),
    isSecret: keys => {
      if (!runtimeConfig.isConfigSecret(prefix + keys[0])) return false;
      if (keys.length === 1) return true;
      const inFile = fileValue(keys);
      return inFile === undefined ? true : isSecure(inFile);
    },
  };
}

/** `pulumi config set --path` coercion of a nested value: true/false, integers, and lists given as JSON. */
function coerce(raw: string): unknown {
  if (raw === "true" || raw === "false") return raw === "true";
  if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  if (raw.startsWith("[")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * A config source over plain values, for tests and the benchmark. Keys are paths as `pulumi
 * config set --path` takes them (`scaidrive.api.replicas`); each becomes the structured value
 * that command writes. A value may also be given whole (`scaidrive: '{"api":{...}}'`). Values
 * in `secrets` are stored as encrypted.
 */
export function mapConfigSource(
  project: string,
  stack: string,
  values: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>> = {},
): ConfigSource {
  const tree: Record<string, unknown> = {};
  const secretPaths = new Set<string>();
  const put = (key: string, raw: string) => {
    const keys = key.split(".");
    if (keys.length === 1) {
      tree[key] = raw;
      return;
    }
    let node = tree;
    for (const k of keys.slice(0, -1)) {
      let next = node[k];
      if (typeof next === "string") {
        try { next = JSON.parse(next); } catch { /* a scalar is overwritten by the group, as --path does */ }
      }
      if (next === null || typeof next !== "object" || Array.isArray(next)) next = {};
      node[k] = next;
      node = next as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = coerce(raw);
  };
  for (const [k, v] of Object.entries(values)) put(k, v);
  for (const [k, v] of Object.entries(secrets)) {
    put(k, v);
    secretPaths.add(k);
  }
  return {
    project,
    stack,
    keys: () => Object.keys(tree),
    get: key => (tree[key] === undefined ? undefined : typeof tree[key] === "string" ? (tree[key] as string) : JSON.stringify(tree[key])),
    isSecret: keys => {
      const joined = keys.join(".");
      return [...secretPaths].some(p => p === joined || (keys.length === 1 && p.startsWith(`${joined}.`)));
    },
  };
}

/**
 * A stack file as the engine hands it to the program: top-level scalars as text, mappings and
 * lists as JSON; encrypted values (`secure:`) are read as MASKED, and known to be secrets.
 * Keys of other namespaces (`aws:region`) are left out.
 */
export function stackFileSource(project: string, stack: string, file: string): ConfigSource {
  const config = readStackFile(file);
  if (config === undefined) throw new Error(`no stack file ${file}`);
  const prefix = `${project}:`;
  const unmask = (v: unknown): unknown =>
    isSecure(v) ? MASKED : Array.isArray(v) ? v.map(unmask)
      : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmask(x)])) : v;
  const own = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  return {
    project,
    stack,
    keys: () => Object.keys(own),
    get: key => {
      const v = own[key];
      if (v === undefined) return undefined;
      if (isSecure(v)) return MASKED;
      return typeof v === "object" && v !== null ? JSON.stringify(unmask(v)) : String(v);
    },
    isSecret: keys => isSecure(at(own[keys[0]], keys.slice(1))),
  };
}
