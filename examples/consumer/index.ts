/**
 * A separate Pulumi project that builds on a scai-platform environment: it reads the platform's
 * outputs contract (packages/platform-components/src/systems/outputs.ts, docs/architecture.md "Outputs contract") through a StackReference.
 *
 *   pulumi config set platformStack organization/scai-platform/local   # the default
 *   pulumi up
 *
 * Both projects must use the same backend (PULUMI_BACKEND_URL) to see each other.
 */
import * as pulumi from "@pulumi/pulumi";
import { platformOutput } from "@scai/platform-components/outputs";

const config = new pulumi.Config();
const platform = new pulumi.StackReference("platform", {
  name: config.get("platformStack") ?? "organization/scai-platform/local",
});

// requireOutput fails the run when the platform stack lacks the output, instead of yielding undefined.
const namespace = platformOutput(platform, "namespace");
const systems = platformOutput(platform, "systems");
const drive = systems.apply(s => {
  if (!s.scaidrive) throw new Error("the platform stack does not deploy scaidrive");
  return s.scaidrive;
});

// What a workload of this project would be configured with. Credentials are not copied: a pod
// in the same namespace mounts the platform's Secret by name (secretKeyRef), so no password ever
// passes through this stack. Any output the platform marks secret arrives here as a secret
// Output too and stays encrypted in this stack's state; never `.apply` it into a plain value.
export const platformNamespace = namespace;
export const platformDomain = platformOutput(platform, "domain");
export const driveUrl = drive.url;
export const driveHostname = drive.hostname;
export const driveApiAddress = drive.apiAddress;
export const driveCredentialsSecret = drive.secretName;
export const driveDatabaseHost = drive.databaseHost;
export const driveBucket = drive.bucket;
