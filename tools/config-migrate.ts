/**
 * One-off converter from the old flat keys (`scai-platform:scaidrive.api.replicas: "3"`) to the
 * structured form the program reads (`scai-platform:scaidrive: {api: {replicas: 3}}`), the same
 * shape `pulumi config set --path` writes. Encrypted values (`secure: v1:...`) move as they are:
 * the ciphertext does not depend on the key it sits under, so no passphrase is needed.
 *
 *   npm run config:migrate -- --stack dev          rewrites Pulumi.dev.yaml
 *   npm run config:migrate -- --stack dev --check  only says whether anything is flat (exit 1 if so)
 *
 * Comments in the file are not kept (js-yaml drops them): review the diff before committing.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const PROJECT = "scai-platform";

/** The scalar a flat key's text stands for, coerced as `pulumi config set --path` does. */
function coerce(v: unknown): unknown {
  if (typeof v !== "string") return v;
  if (v === "true" || v === "false") return v === "true";
  if (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  if (v.startsWith("[")) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

export interface Migration {
  config: Record<string, unknown>;
  /** Flat keys moved, as `old -> new path`. */
  moved: string[];
}

/** Moves every flat dotted key of this project into its structured place; throws on a clash. */
export function migrateConfig(config: Record<string, unknown>, project = PROJECT): Migration {
  const out: Record<string, unknown> = {};
  const moved: string[] = [];
  const prefix = `${project}:`;
  const flat: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(config)) {
    if (k.startsWith(prefix) && k.slice(prefix.length).includes(".")) flat.push([k.slice(prefix.length), v]);
    else out[k] = v;
  }
  for (const [key, v] of flat) {
    const [top, ...rest] = key.split(".");
    let node = (out[prefix + top] ??= {}) as Record<string, unknown>;
    if (typeof node !== "object" || node === null || Array.isArray(node)) {
      throw new Error(`${prefix}${key}: ${prefix}${top} is already set to a value that is not a mapping`);
    }
    for (const k of rest.slice(0, -1)) {
      const next = (node[k] ??= {}) as Record<string, unknown>;
      if (typeof next !== "object" || next === null || Array.isArray(next) || "secure" in next) {
        throw new Error(`${prefix}${key}: ${k} is already set to a value that is not a mapping`);
      }
      node = next;
    }
    const leaf = rest[rest.length - 1];
    if (leaf in node) throw new Error(`${prefix}${key} is set twice (flat and structured)`);
    node[leaf] = coerce(v);
    moved.push(`${prefix}${key}`);
  }
  return { config: out, moved };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--stack");
  if (i < 0 || !args[i + 1]) {
    console.error("usage: npm run config:migrate -- --stack <name> [--check]");
    process.exit(2);
  }
  const file = path.resolve(__dirname, "..", `Pulumi.${args[i + 1]}.yaml`);
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown> & { config?: Record<string, unknown> };
  const { config, moved } = migrateConfig(doc.config ?? {});
  if (moved.length === 0) {
    console.log(`${path.basename(file)}: nothing to migrate, every key is structured`);
  } else if (args.includes("--check")) {
    console.log(`${path.basename(file)}: ${moved.length} flat key(s) to migrate:\n  ${moved.join("\n  ")}`);
    process.exit(1);
  } else {
    fs.writeFileSync(file, yaml.dump({ ...doc, config }, { lineWidth: -1 }));
    console.log(`${path.basename(file)}: moved ${moved.length} flat key(s) into structured values:\n  ${moved.join("\n  ")}`);
  }
}
