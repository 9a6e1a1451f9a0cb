/**
 * A program in another repository that installed @scai/platform-components from its tarball: it
 * deploys its own ScaiDrive tenant with the package's components and reads a platform stack's
 * outputs through the typed contract. test/integration/package.itest.ts type-checks it against
 * the installed declarations (strict) and runs it under mocks.
 */
import "./mocks";
import * as pulumi from "@pulumi/pulumi";
import { InClusterDataPlane, Naming, ScaiDrive, SystemContext, scaidriveSystem, settingsFor } from "@scai/platform-components";
import { PlatformContract, platformOutput } from "@scai/platform-components/outputs";

const naming = new Naming("dev");
const namespace = pulumi.output("tenants");
const context: SystemContext = {
  naming,
  namespace,
  namespaceName: "tenants",
  domain: "example.org",
  identityProviderUrl: "https://id.example.org",
  ingress: { className: "nginx", clusterIssuer: "letsencrypt", controllerNamespace: "ingress-nginx" },
  secretsRotation: "1",
  data: new InClusterDataPlane({ naming, namespace, rotation: "1", redisAlsoAllowFrom: [] }),
  images: { resolve: (_system, configured) => ({ ref: configured, revision: configured }) },
};

const settings = settingsFor(scaidriveSystem, { image: "scailabs/scaidrive:1.4.2", api: { replicas: 2 } },
  { profile: "dev", project: "consumer", domain: "example.org" });
const drive = new ScaiDrive("drive-a", { context, settings });

const platform = new pulumi.StackReference("platform", { name: "organization/scai-platform/dev" });
const platformDrive = platformOutput(platform, "systems").apply((s: PlatformContract["systems"]) => s.scaidrive?.url ?? "none");

pulumi.all([drive.url, drive.apiAddress, platformDrive]).apply(([url, api, remote]) =>
  console.log(JSON.stringify({ url, api, remote, replicas: settings.api.replicas })));
