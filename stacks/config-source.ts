import * as pulumi from "@pulumi/pulumi";

/**
 * Where raw config comes from. The program reads Pulumi config; tests hand in a plain map, so
 * no test depends on global runtime state. Keys are given without the project namespace.
 */
export interface ConfigSource {
  readonly project: string;
  readonly stack: string;
  /** The raw string value, or undefined when the key is not set. */
  get(key: string): string | undefined;
  /** A secret value as a secret Output, or undefined when the key is not set. */
  getSecret(key: string): pulumi.Output<string> | undefined;
}

/** The stack's Pulumi config (the only `new pulumi.Config()` in the program). */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config();
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    get: key => config.get(key),
    getSecret: key => (config.get(key) === undefined ? undefined : config.requireSecret(key)),
  };
}

/** A config source over plain values, for tests and the benchmark. */
export function mapConfigSource(
  project: string,
  stack: string,
  values: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>> = {},
): ConfigSource {
  return {
    project,
    stack,
    get: key => values[key] ?? secrets[key],
    getSecret: key => (key in secrets ? pulumi.secret(secrets[key]) : undefined),
  };
}
