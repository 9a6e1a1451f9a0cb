/**
 * NetworkPolicy vocabulary shared by workloads and data services. The environment namespace
 * denies all traffic; each workload then opens exactly what it uses.
 */
import * as k8s from "@pulumi/kubernetes";

export type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** How a client reaches a service: the labels its pods wear, and the egress it needs. */
export interface ServiceAccess {
  /** Labels a client pod carries so the service's own NetworkPolicy admits it. */
  clientLabels: Record<string, string>;
  /** Egress rule that lets the client reach the service. */
  egress: EgressRule;
}

/** Pods of another namespace, selected by the namespace's immutable name label. */
export function namespacePeer(namespace: string, podLabels?: Record<string, string>): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/**
 * Private ranges and the instance metadata endpoint: "the internet" excludes them, so an
 * internet egress rule never opens the cluster network or cloud credentials by accident.
 */
export const NON_PUBLIC_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

/** Egress to public addresses on the given TCP ports (e.g. 443 for ScaiKey, 25 for SMTP). */
export function internetEgress(ports: number[]): EgressRule {
  return {
    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_CIDRS } }],
    ports: ports.map(port => ({ protocol: "TCP", port })),
  };
}

/** The label a client pod wears to be admitted by a service's NetworkPolicy. */
export function clientLabel(serviceName: string): Record<string, string> {
  return { [`access.scai.dev/${serviceName}`]: "true" };
}

/**
 * The NetworkPolicy spec of one role's pods: only the given ingress rules, and egress to the
 * services it uses plus any further allowances. Everything else stays denied.
 */
export function rolePolicySpec(
  selector: Record<string, string>,
  a: { ingress?: k8s.types.input.networking.v1.NetworkPolicyIngressRule[]; uses?: ServiceAccess[]; allowEgress?: EgressRule[] },
): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress", "Egress"],
    ingress: a.ingress ?? [],
    egress: [...(a.uses ?? []).map(u => u.egress), ...(a.allowEgress ?? [])],
  };
}
