import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../stacks/environment";
import { DataPlane } from "../components/data/data-plane";
import { EgressRule, internetEgress, namespacePeer } from "../components/k8s/network";
import { Naming } from "../components/naming";

/** What every system is deployed with: the environment, its names, namespace and data plane. */
export interface SystemContext {
  env: Environment;
  naming: Naming;
  namespace: pulumi.Output<string>;
  data: DataPlane;
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
