import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../stacks/environment";
import { DataPlane } from "../components/data/data-plane";
import { SecretStore } from "../components/k8s/app-secret";
import { EgressRule, internetEgress, namespacePeer } from "../components/k8s/network";
import { Naming } from "../components/naming";

/** What pods run for a system's configured image, and what names its release (for one-shot Jobs). */
export interface ResolvedImage {
  ref: pulumi.Input<string>;
  revision: string;
}

/** Where a system's image comes from: the configured reference as is, or a build pushed to a registry. */
export interface ImageSource {
  /** `configured` is the system's `image` config; the build (if any) is registered under `parent`. */
  resolve(system: string, configured: string, parent: pulumi.Resource): ResolvedImage;
}

/** Pods run the configured reference. */
export const CONFIGURED_IMAGES: ImageSource = { resolve: (_system, configured) => ({ ref: configured, revision: configured }) };

/** What every system is deployed with: the environment, its names, namespace and data plane. */
export interface SystemContext {
  env: Environment;
  naming: Naming;
  namespace: pulumi.Output<string>;
  data: DataPlane;
  /** Where images come from. */
  images: ImageSource;
  /** Where app Secrets are copied besides Kubernetes (Secrets Manager on AWS). Default: nowhere. */
  secretStore?: SecretStore;
  /** Parent and providers for the system's component. */
  opts: pulumi.ComponentResourceOptions;
}

/** The ingress controller's pods: the only peer allowed to reach a public web port. */
export function ingressControllerPeer(env: Environment) {
  return namespacePeer(env.ingress.controllerNamespace);
}

const CLUSTER_HOST = /(^[^.]+$)|(\.svc(\.cluster\.local)?$)/;

/**
 * Egress to the host of a configured URL: in-cluster hosts (`weaviate`, `x.ns.svc`) on their
 * port anywhere in the cluster, anything else on the public internet.
 */
export function egressToUrl(url: string): EgressRule {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return CLUSTER_HOST.test(u.hostname)
    ? { to: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port }] }
    : internetEgress([port]);
}
