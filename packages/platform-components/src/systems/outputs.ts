/**
 * The outputs contract: what another Pulumi project may read from a platform stack through a
 * `StackReference`, with the types it reads them as. `index.ts` exports exactly `PlatformOutputs`
 * (below; `deployPlatform` in platform/platform.ts returns it); `PlatformContract` is the same shape with every Output resolved, which is
 * what `requireOutput` yields. docs/architecture.md's "Outputs contract" table documents each
 * field; `systems.<name>.links` lists the systems it was wired to (systems/links.ts).
 *
 * The contract carries no credential values: each system's credentials live in a Kubernetes
 * Secret in the environment's namespace, and the contract names that Secret (`secretName`), so
 * a consumer mounts it with `secretKeyRef` instead of copying passwords between stacks. Were a
 * secret output ever added, `requireOutput` hands it over as a secret Output, still encrypted in
 * the consumer's state.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SystemOutputs } from "./contract";
// Type only: the names of the systems, as the registry lists them; nothing of it is loaded at run time.
import type { SystemName } from "./registry";

/** One system's entry under the `systems` output. */
export interface SystemContractOutputs extends SystemOutputs {
  /** Public DNS name (the host of `url`), when the system is exposed. */
  hostname?: string;
}

/**
 * The stack outputs other projects read through a StackReference: what `deployPlatform`
 * (platform/platform.ts) returns and `index.ts` exports. Defined here, with the rest of the contract,
 * so that reading the contract loads no system and no platform code.
 */
export interface PlatformOutputs {
  /** The stack name: local, dev or prod. */
  environment: string;
  /** Kubernetes namespace holding every object of this environment. */
  namespace: pulumi.Output<string>;
  /** Base DNS domain; public hostnames sit under it. */
  domain: string;
  /** Where manifests were rendered (relative to the project), on stacks that render instead of applying. */
  renderedManifests?: string;
  /** Per enabled system: public URL and hostname, in-cluster API address, data endpoints, credentials Secret name, bucket. */
  systems: Partial<Record<SystemName, SystemContractOutputs>>;
}

/** The stack outputs as a consumer reads them, every Output resolved. */
export type PlatformContract = pulumi.Unwrap<PlatformOutputs>;
export type PlatformOutputName = keyof PlatformContract;

/** Every top-level output name, in the order the README documents them. */
export const PLATFORM_OUTPUT_NAMES = ["environment", "namespace", "domain", "renderedManifests", "systems"] as const satisfies readonly PlatformOutputName[];

/** Adds what is derived from a system's own outputs (its DNS name) to its contract entry. */
export function systemContract(o: SystemOutputs): SystemContractOutputs {
  return o.url === undefined ? { ...o } : { ...o, hostname: new URL(o.url).hostname };
}

/**
 * The fully qualified name of a platform stack, as `new pulumi.StackReference(...)` takes it:
 * `<org>/scai-platform/<stack>`. On a local file backend the organisation is always
 * "organization".
 */
export function platformStackName(stack: string, org = "organization", project = "scai-platform"): string {
  return `${org}/${project}/${stack}`;
}

/** A typed `requireOutput`: the output named `name` of a platform stack, as its contract type. */
export function platformOutput<K extends PlatformOutputName>(ref: pulumi.StackReference, name: K): pulumi.Output<NonNullable<PlatformContract[K]>> {
  return ref.requireOutput(name) as pulumi.Output<NonNullable<PlatformContract[K]>>;
}
