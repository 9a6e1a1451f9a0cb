/**
 * The systems this platform can deploy, one definition each (name, schema, checks, deployer).
 * Adding a system means its file beside this one, its name in ./contract's SYSTEM_NAMES and its
 * entry here; the compiler refuses a name without a definition or a definition under another name.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Schema } from "../config/schema";
import type { SettingsOf, SystemArgs, SystemDefinition } from "./context";
import { CheckContext, SYSTEM_NAMES, SystemName, SystemOutputs } from "./contract";
import { hridaaiSystem } from "./hridaai";
import { novitaiSystem } from "./novitai";
import { rahcpSystem } from "./ra-hcp";
import { scaidriveSystem } from "./scaidrive";
import { scaisendSystem } from "./scaisend";

export { SYSTEM_NAMES };
export type { CheckContext, SystemName, SystemOutputs };

export const SYSTEMS = {
  scaidrive: scaidriveSystem,
  scaisend: scaisendSystem,
  hridaai: hridaaiSystem,
  rahcp: rahcpSystem,
  novitai: novitaiSystem,
} satisfies { [K in SystemName]: { readonly name: K; readonly schema: Schema } };

/** Each system's validated settings, by name. */
export type SystemSettings = {
  [K in SystemName]: (typeof SYSTEMS)[K] extends SystemDefinition<K, infer Sch> ? SettingsOf<K, Sch> : never;
};

/** A system's definition with its settings type erased, for code that walks every system by name. */
export interface AnySystemDefinition {
  readonly name: SystemName;
  readonly schema: Schema;
  check(settings: unknown, ctx: CheckContext): string[];
  deploy(name: string, args: SystemArgs<unknown>, opts?: pulumi.ComponentResourceOptions): SystemOutputs;
}

export function systemDefinition(name: SystemName): AnySystemDefinition {
  return SYSTEMS[name] as unknown as AnySystemDefinition;
}
