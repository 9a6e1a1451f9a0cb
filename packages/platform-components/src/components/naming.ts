/**
 * The one place physical names are derived, so environment and system prefixes cannot drift.
 * Kubernetes names are scoped by the environment's namespace; cloud names (buckets, database
 * identifiers, IAM roles) are global and therefore carry the environment.
 */
const MAX_K8S_NAME = 63;

export class Naming {
  /**
   * @param environment the stack name (local, dev, prod, ...): part of every cloud name.
   * @param prefix organisation prefix. Default: "scai".
   */
  constructor(readonly environment: string, readonly prefix = "scai") {}

  /** Name of a Kubernetes object inside the environment namespace: `<system>-<part>...`. */
  k8s(...parts: string[]): string {
    return checked(parts.join("-"), MAX_K8S_NAME);
  }

  /** Globally unique cloud name: `scai-<environment>-<system>-<part>...`. */
  cloud(...parts: string[]): string {
    return checked([this.prefix, this.environment, ...parts].join("-"), MAX_K8S_NAME);
  }

  /** Hierarchical name of a secret in a store shared by environments: `scai/<environment>/<name>`. */
  path(name: string): string {
    return [this.prefix, this.environment, checked(name, MAX_K8S_NAME)].join("/");
  }

  /**
   * Standard labels of a system's role; the first three are the selector. `instance` is the
   * component's name when it is not the system's own (a second ScaiDrive, `drive-b`), so two
   * instances of one system never select each other's pods. Default: `system`.
   */
  labels(system: string, role: string, instance = system): Record<string, string> {
    return {
      "app.kubernetes.io/name": system,
      "app.kubernetes.io/component": role,
      "app.kubernetes.io/instance": `${instance}-${this.environment}`,
    };
  }
}

function checked(name: string, max: number): string {
  if (name.length > max || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new Error(`derived name "${name}" is not a DNS label of at most ${max} characters`);
  }
  return name;
}

/** Labels added to every object the platform creates (never part of a selector). */
export const COMMON_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/part-of": "scai-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};
