import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { COMMON_LABELS } from "../naming";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

/** A key generated here: `length` random alphanumeric characters (one byte each). */
export interface GeneratedKey {
  length: number;
}

/** A second home for every app Secret (e.g. AWS Secrets Manager), for consumers outside the cluster. */
export interface SecretStore {
  /** Keep a copy of Secret `secretName` holding `data` (a secret Output), as a child of `parent`. */
  mirror(secretName: string, data: pulumi.Output<Record<string, string>>, parent: pulumi.Resource): void;
}

export interface AppSecretArgs<G extends string, V extends string> {
  namespace: Input<string>;
  labels: Record<string, string>;
  /** Keys generated with @pulumi/random, e.g. { SECRET_KEY: { length: 64 } }. Default: none. */
  generated?: Record<G, GeneratedKey>;
  /** Keys whose values come from elsewhere (config secrets, connection URLs). Default: none. */
  values?: Record<V, Input<string> | undefined>;
  /** Changing this regenerates every generated key. */
  rotation: string;
  /** Also copy the Secret there. Default: Kubernetes only. */
  mirror?: SecretStore;
}

/**
 * One Kubernetes Secret holding a system's sensitive env values, generated or supplied.
 * Values stay secret Outputs; pods get them only through `secretKeyRef` via `ref(key)`.
 */
export class AppSecret<G extends string = never, V extends string = never> extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  /** Generated values, as secret Outputs (for mirroring or tests; never for plain env). */
  public readonly generated: Record<G, pulumi.Output<string>>;
  private readonly keys: Set<string>;
  /** The Secret's name as given: `secretName` is an Output, which cannot go into an error message. */
  private readonly plainName: string;

  constructor(name: string, args: AppSecretArgs<G, V>, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:AppSecret", name, {}, opts);
    const child = childOptions(this, opts);

    const generated = {} as Record<G, pulumi.Output<string>>;
    for (const [key, spec] of Object.entries(args.generated ?? {}) as Array<[G, GeneratedKey]>) {
      const password = new random.RandomPassword(`${name}-${key.toLowerCase().replace(/_/g, "-")}`, {
        length: spec.length,
        special: false,
        keepers: { rotation: args.rotation },
      }, child);
      generated[key] = pulumi.secret(password.result);
    }
    this.generated = generated;

    const supplied = Object.fromEntries(
      Object.entries(args.values ?? {}).filter(([, v]) => v !== undefined) as Array<[string, Input<string>]>,
    );
    const stringData: Record<string, Input<string>> = { ...generated, ...supplied };
    this.keys = new Set(Object.keys(stringData));
    this.plainName = name;

    const secret = new k8s.core.v1.Secret(name, {
      metadata: { name, namespace: args.namespace, labels: { ...COMMON_LABELS, ...args.labels } },
      type: "Opaque",
      stringData: pulumi.secret(stringData) as unknown as Record<string, Input<string>>,
    }, child);
    this.secretName = secret.metadata.name;
    args.mirror?.mirror(name, pulumi.secret(pulumi.output(stringData)) as pulumi.Output<Record<string, string>>, this);

    this.registerOutputs({ secretName: this.secretName });
  }

  /** Whether the Secret holds this key (optional values may be absent). */
  has(key: G | V): boolean {
    return this.keys.has(key);
  }

  /** A `secretKeyRef` to one key; throws for a key the Secret does not hold. */
  ref(key: G | V): { secretName: pulumi.Output<string>; key: string } {
    if (!this.keys.has(key)) {
      throw new Error(`Secret ${this.plainName} has no key ${key}; it holds ${[...this.keys].sort().join(", ") || "no keys"}`);
    }
    return { secretName: this.secretName, key };
  }
}
