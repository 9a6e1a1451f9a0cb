// scai-platform: config -> environment -> systems -> components. See README.md.
import { pulumiConfigSource } from "./stacks/config-source";
import { loadEnvironment } from "./stacks/environment";
import { deployPlatform } from "./stacks/platform";

const outputs = deployPlatform(loadEnvironment(pulumiConfigSource()));

export const environment = outputs.environment;
export const namespace = outputs.namespace;
export const renderedManifests = outputs.renderedManifests;
export const systems = outputs.systems;
