/**
 * A tiny typed schema for Pulumi config. Every key the program reads is declared once here
 * (or in a system's schema built from these helpers): its type, its description, its
 * per-profile default and how a raw value is checked. A nested group is one structured value in
 * the stack file (`scai-platform:scaidrive: {api: {replicas: 3}}`, what `pulumi config set
 * --path scaidrive.api.replicas 3` writes). The walker in `config-reader.ts` reads stack config
 * through these declarations; Pulumi.yaml and docs/configuration.md are generated from them.
 */
import * as pulumi from "@pulumi/pulumi";
import { mutableImageReason } from "./image-ref";

export const PROFILES = ["local", "dev", "prod"] as const;
export type Profile = (typeof PROFILES)[number];

/** A value that is the same everywhere, or differs per environment profile. */
export type PerProfile<T> = T | { readonly local: T; readonly dev: T; readonly prod: T };

/** The value types of a schema field (an `array` is a YAML list of strings). */
export type ConfigType = "string" | "integer" | "boolean" | "array";

/** A checked value, or a refusal; `detail` says what was wrong when the raw value alone does not. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; detail?: string };

/** One config key. `T` is the value the program sees. */
export interface Field<T> {
  readonly kind: "field";
  readonly type: ConfigType;
  readonly description: string;
  /** Read with `getSecret`, delivered as a secret Output. */
  readonly secret: boolean;
  /** What a valid value looks like, for error messages: "an integer >= 1". */
  readonly expectation: string;
  /** Default per profile; `undefined` means "no default": required unless `optional`. */
  readonly default?: PerProfile<T | undefined>;
  /** When true a missing value is fine and reads as `undefined`. */
  readonly optional: PerProfile<boolean>;
  /** Checks a raw value: a scalar as its text, a list as JSON (see `rawText` in config-reader.ts). */
  parse(raw: string): Parsed<T>;
}

/** A nested group of fields: a YAML mapping in the stack file, named by its dotted path (`scaidrive.api.replicas`). */
export interface Schema {
  readonly [key: string]: Field<unknown> | Schema;
}

/** The typed values a schema produces. */
export type Values<S> = {
  -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : Values<S[K]>;
};

interface Common<T> {
  description: string;
  default?: PerProfile<T | undefined>;
  /** Missing reads as undefined instead of failing. Default: false. */
  optional?: PerProfile<boolean>;
}

function field<T>(type: ConfigType, expectation: string, c: Common<T>, parse: (raw: string) => Parsed<T>): Field<T> {
  return {
    kind: "field",
    type,
    expectation,
    description: c.description,
    default: c.default,
    optional: c.optional ?? false,
    secret: false,
    parse,
  };
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = { ok: false } as const;

export function integer(c: Common<number> & { min?: number; max?: number }): Field<number> {
  const bounds = [c.min !== undefined ? `>= ${c.min}` : "", c.max !== undefined ? `<= ${c.max}` : ""].filter(Boolean);
  return field("integer", `an integer${bounds.length ? " " + bounds.join(" and ") : ""}`, c, raw => {
    if (!/^-?\d+$/.test(raw.trim())) return bad;
    const n = Number(raw);
    if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) return bad;
    return ok(n);
  });
}

export function boolean(c: Common<boolean>): Field<boolean> {
  return field("boolean", "true or false", c, raw =>
    raw === "true" ? ok(true) : raw === "false" ? ok(false) : bad,
  );
}

/** A string checked by a predicate; `expectation` says what is allowed. */
export function text(c: Common<string> & { expectation?: string; check?: (v: string) => boolean }): Field<string> {
  return field("string", c.expectation ?? "a non-empty string", c, raw =>
    raw.length > 0 && (c.check ?? (() => true))(raw) ? ok(raw) : bad,
  );
}

export function oneOf<const K extends string>(choices: readonly K[], c: Common<K>): Field<K> {
  return field("string", `one of ${choices.map(x => `"${x}"`).join(", ")}`, c, raw =>
    (choices as readonly string[]).includes(raw) ? ok(raw as K) : bad,
  );
}

/** A YAML list as a person reads it in an error: `[a, b]`. */
export function showList(items: readonly unknown[]): string {
  return `[${items.map(v => (typeof v === "string" && /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v))).join(", ")}]`;
}

/**
 * A YAML list of strings (`- scaidrive` lines, or what `pulumi config set --path 'k[0]' v`
 * writes). A refusal names the offending item(s).
 */
export function list<const K extends string>(
  c: Common<K[]> & { choices?: readonly K[]; minItems?: number; itemCheck?: (v: string) => boolean; itemExpectation?: string },
): Field<K[]> {
  const item = c.choices ? `of ${c.choices.map(x => `"${x}"`).join(", ")}` : `of ${c.itemExpectation ?? "strings"}`;
  const min = c.minItems ?? 0;
  const allowed = (v: unknown) =>
    typeof v === "string" && (c.choices ? (c.choices as readonly string[]).includes(v) : (c.itemCheck ?? (() => true))(v));
  return field("array", `a list ${item}${min ? ` with at least ${min} item${min > 1 ? "s" : ""}` : ""}, without duplicates`, c, raw => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    if (!Array.isArray(value)) return { ok: false, detail: `${JSON.stringify(typeof value === "string" ? value : raw)}, a single value, not a list` };
    const got = showList(value);
    const wrong = value.filter(v => !allowed(v));
    if (wrong.length > 0) {
      const named = wrong.map(v => JSON.stringify(v)).join(", ");
      return { ok: false, detail: `${got}: ${named} ${wrong.length > 1 ? "are not among them" : "is not one of them"}` };
    }
    const twice = [...new Set(value.filter((v, i) => value.indexOf(v) !== i))];
    if (twice.length > 0) return { ok: false, detail: `${got}: ${twice.map(v => JSON.stringify(v)).join(", ")} listed more than once` };
    if (value.length < min) return { ok: false, detail: `${got}: ${value.length} item${value.length === 1 ? "" : "s"}` };
    return ok(value as K[]);
  });
}

/**
 * A secret from `pulumi config set --path --secret <key> <value>`: read as a secret Output, and
 * refused on dev and prod when it was stored in plain text.
 */
export function secret(c: { description: string; optional?: PerProfile<boolean> }): Field<pulumi.Output<string>> {
  return {
    ...field<pulumi.Output<string>>("string", "a non-empty secret string", c, raw => (raw.length > 0 ? ok(pulumi.secret(raw)) : bad)),
    secret: true,
  };
}

// ---- value checks shared by the systems' schemas -------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const isDnsLabel = (v: string): boolean => DNS_LABEL.test(v);
export const isHostname = (v: string): boolean => v.length <= 253 && v.split(".").every(isDnsLabel) && v.includes(".");
export const isHttpsUrl = (v: string): boolean => /^https:\/\/[^\s/]+(\/\S*)?$/.test(v);
export const isHttpUrl = (v: string): boolean => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(v);
/** Kubernetes resource quantities as used for CPU ("250m", "2") and memory ("512Mi", "4Gi"). */
export const isCpu = (v: string): boolean => /^(\d+m|\d+(\.\d+)?)$/.test(v);
export const isMemory = (v: string): boolean => /^\d+(Ki|Mi|Gi|Ti)$/.test(v);
/** registry/repo:tag or registry/repo@sha256:digest. */
export const isImageRef = (v: string): boolean =>
  /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(v) && !/\s/.test(v);
/** An image reference that always names the same image: a digest, or a tag that is not a moving one (config/image-ref.ts). */
export const isImmutableImageRef = (v: string): boolean => isImageRef(v) && mutableImageReason(v) === undefined;

export const hostname = (c: Common<string>) => text({ ...c, expectation: "a DNS hostname such as drive.example.com", check: isHostname });
export const httpsUrl = (c: Common<string>) => text({ ...c, expectation: "an https:// URL", check: isHttpsUrl });
export const httpUrl = (c: Common<string>) => text({ ...c, expectation: "an http:// or https:// URL", check: isHttpUrl });
export const cpu = (c: Common<string>) => text({ ...c, expectation: 'a CPU quantity such as "250m" or "2"', check: isCpu });
export const memory = (c: Common<string>) => text({ ...c, expectation: 'a memory quantity such as "512Mi" or "4Gi"', check: isMemory });
export const image = (c: Common<string>) =>
  text({ ...c, expectation: "an image reference with a tag or digest, such as scailabs/scaidrive:1.4.2", check: isImageRef });

// ---- walking a schema ---------------------------------------------------------------------

export function isField(x: Field<unknown> | Schema): x is Field<unknown> {
  return (x as Field<unknown>).kind === "field";
}

export function forProfile<T>(v: PerProfile<T>, profile: Profile): T {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && PROFILES.every(p => p in (v as object))) {
    return (v as { [P in Profile]: T })[profile];
  }
  return v as T;
}

/** Every field of a schema with its dotted key. */
export function flatten(schema: Schema, prefix = ""): Array<[string, Field<unknown>]> {
  return Object.entries(schema).flatMap(([k, v]) =>
    isField(v) ? [[prefix + k, v] as [string, Field<unknown>]] : flatten(v, `${prefix}${k}.`),
  );
}
