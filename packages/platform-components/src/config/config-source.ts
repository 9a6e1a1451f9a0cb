/**
 * Where raw config comes from, as the schema walker (./config-reader) reads it. Keys are given
 * without the project namespace. A top-level value is what the Pulumi runtime hands a program: a
 * string, with a structured value (a YAML mapping or list) as its JSON text. The sources themselves
 * (the program's Pulumi config, a stack file, a plain map for tests) are the platform's
 * (platform/config-source.ts): this package reads no configuration.
 */
export interface ConfigSource {
  readonly project: string;
  readonly stack: string;
  /** Every key of this project the stack sets, without the namespace ("domain", "scaidrive"). */
  keys(): readonly string[];
  /** The raw value of a top-level key, or undefined when it is not set. */
  get(key: string): string | undefined;
  /**
   * Whether the value at `path` (top-level key first) was stored encrypted (`--secret`). Undefined
   * when the source cannot tell: `config:show` then never refuses for it.
   */
  isSecret(path: readonly string[]): boolean | undefined;
}

/** The text a secret stands for where its value is not known (a stack file holds it encrypted). */
export const MASKED = "[secret]";
