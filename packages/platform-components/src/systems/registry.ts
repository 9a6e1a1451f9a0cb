/**
 * The systems this platform can deploy, one definition each (name, schema, checks, deployer), and
 * the one list of their names. Adding a system means its file beside this one and three lines
 * here: its import, its re-export and its entry in SYSTEMS (a definition under another key than
 * its name is refused when this module loads).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Schema } from "../config/schema";
import type { SettingsOf, SystemArgs, SystemDefinition } from "./context";
import { CheckContext, SystemOutputs } from "./contract";
import { hridaaiSystem } from "./hridaai";
import { novitaiSystem } from "./novitai";
import { rahcpSystem } from "./ra-hcp";
import { scaidriveSystem } from "./scaidrive";
import { scaisendSystem } from "./scaisend";

export type { CheckContext, SystemOutputs };
export * from "./scaidrive";
export * from "./scaisend";
export * from "./hridaai";
export * from "./ra-hcp";
export * from "./novitai";

export const SYSTEMS = {
  scaidrive: scaidriveSystem,
  scaisend: scaisendSystem,
  hridaai: hridaaiSystem,
  rahcp: rahcpSystem,
  novitai: novitaiSystem,
} satisfies Record<string, { readonly name: string; readonly schema: Schema }>;

/** The name of a system the platform can deploy: a key of SYSTEMS. */
export type SystemName = keyof typeof SYSTEMS;

/** Every system's name, in SYSTEMS' order (the order of docs and messages). */
export const SYSTEM_NAMES = Object.keys(SYSTEMS) as SystemName[];

for (const [key, definition] of Object.entries(SYSTEMS)) {
  if (definition.name !== key) throw new Error(`SYSTEMS.${key} holds the definition of "${definition.name}": a system is listed under its own name`);
}

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
