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

/**
 * The value Pulumi.yaml declares as the default of every key the code defaults per profile, is
 * optional or secret: the engine demands a value for a declared key without a default, so those
 * keys default to the empty value of their type, which means "not set, the profile decides".
 */
export const UNSET_MARKERS: readonly string[] = ["", "[]"];

/** A raw value, or undefined when it is absent or an unset marker. */
function present(raw: string | undefined): string | undefined {
  return raw === undefined || UNSET_MARKERS.includes(raw) ? undefined : raw;
}

/** The stack's Pulumi config (the only `new pulumi.Config()` in the program). */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config();
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    get: key => present(config.get(key)),
    getSecret: key => (present(config.get(key)) === undefined ? undefined : config.requireSecret(key)),
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
    get: key => present(values[key] ?? secrets[key]),
    getSecret: key => (present(secrets[key]) === undefined ? undefined : pulumi.secret(secrets[key])),
  };
}
