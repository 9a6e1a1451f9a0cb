/**
 * The outputs contract alone (`@scai/platform-components/outputs`): the types and helpers a
 * project reading a platform stack through a StackReference needs, without loading any component.
 */
export * from "./systems/outputs";
export type { SystemOutputs } from "./systems/contract";
export type { SystemName } from "./systems/registry";
