// scai-platform: config -> environment -> systems -> components. See README.md.
import * as pulumi from "@pulumi/pulumi";
import { pulumiConfigSource } from "./platform/config-source";
import { ConfigError, loadEnvironment } from "./platform/environment";
import { deployPlatform } from "./platform/platform";

function stackEnvironment() {
  try {
    return loadEnvironment(pulumiConfigSource());
  } catch (e) {
    // A RunError prints its message without a stack trace: one line per bad key, nothing else.
    throw e instanceof ConfigError ? new pulumi.RunError(e.message) : e;
  }
}

const outputs = deployPlatform(stackEnvironment());

// The outputs contract (packages/platform-components/src/systems/outputs.ts, docs/architecture.md "Outputs contract"): read with a StackReference.
export const environment = outputs.environment;
export const namespace = outputs.namespace;
export const domain = outputs.domain;
export const renderedManifests = outputs.renderedManifests;
export const systems = outputs.systems;
