/**
 * The systems this platform can deploy: each one's config schema, cross-key checks and
 * deployer. Adding a system means adding a file beside this one and a line to each table.
 */
import { Values } from "../stacks/schema";
import { SystemContext } from "./context";
import { CheckContext, SYSTEM_NAMES, SystemName, SystemOutputs } from "./contract";
import { HridaAi, checkHridaAi, hridaaiSchema } from "./hridaai";
import { Novitai, checkNovitai, novitaiSchema } from "./novitai";
import { RaHcp, checkRaHcp, rahcpSchema } from "./ra-hcp";
import { ScaiDrive, checkScaiDrive, scaidriveSchema } from "./scaidrive";
import { ScaiSend, checkScaiSend, scaisendSchema } from "./scaisend";

// Names, check context and outputs contract live in ./contract (no system imports them from here).
export { SYSTEM_NAMES };
export type { CheckContext, SystemName, SystemOutputs };

export const systemSchemas = {
  scaidrive: scaidriveSchema,
  scaisend: scaisendSchema,
  hridaai: hridaaiSchema,
  rahcp: rahcpSchema,
  novitai: novitaiSchema,
};

export type SystemSettings = {
  [K in SystemName]: Values<(typeof systemSchemas)[K]>[K & keyof Values<(typeof systemSchemas)[K]>];
};

export const systemChecks: { [K in SystemName]: (s: SystemSettings[K], ctx: CheckContext) => string[] } = {
  scaidrive: checkScaiDrive,
  scaisend: checkScaiSend,
  hridaai: checkHridaAi,
  rahcp: checkRaHcp,
  novitai: checkNovitai,
};

/** The outputs-contract fields of a deployed system, as a plain object (absent ones left out). */
function contractOf(d: SystemOutputs): SystemOutputs {
  const { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links } = d;
  const fields = { url, apiAddress, secretName, databaseHost, redisHost, bucket, bucketArn, links };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as SystemOutputs;
}

export const systemDeployers: { [K in SystemName]: (ctx: SystemContext, s: SystemSettings[K]) => SystemOutputs } = {
  scaidrive: (ctx, s) => contractOf(new ScaiDrive(ctx, s)),
  scaisend: (ctx, s) => contractOf(new ScaiSend(ctx, s)),
  hridaai: (ctx, s) => contractOf(new HridaAi(ctx, s)),
  rahcp: (ctx, s) => contractOf(new RaHcp(ctx, s)),
  novitai: (ctx, s) => contractOf(new Novitai(ctx, s)),
};
