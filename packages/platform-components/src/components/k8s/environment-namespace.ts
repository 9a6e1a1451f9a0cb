import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { childOptions } from "../options";

export interface EnvironmentNamespaceArgs {
  /** Namespace name, from the naming helper. */
  name: string;
  /** Pod Security Standards level enforced by the API server. Default: "restricted". */
  podSecurity?: "restricted" | "baseline" | "privileged";
  /** Extra labels, e.g. the environment. Default: none. */
  labels?: Record<string, string>;
}

/**
 * An environment's namespace, isolated by default: Pod Security "restricted" enforced, a
 * default-deny NetworkPolicy for ingress and egress, and one allowance every pod needs (DNS).
 */
export class EnvironmentNamespace extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:EnvironmentNamespace", name, {}, opts);
    const level = args.podSecurity ?? "restricted";
    const child = childOptions(this, opts);

    const ns = new k8s.core.v1.Namespace(name, {
      metadata: {
        name: args.name,
        labels: {
          ...COMMON_LABELS,
          ...args.labels,
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    }, child);
    this.name = ns.metadata.name;
    const inNs = { parent: this, dependsOn: [ns] }; // inside the namespace, which already waited for opts.dependsOn

    new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
      metadata: { name: "default-deny", namespace: this.name, labels: COMMON_LABELS },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    }, inNs);

    new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, {
      metadata: { name: "allow-dns", namespace: this.name, labels: COMMON_LABELS },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          }],
          ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        }],
      },
    }, inNs);

    this.registerOutputs({ name: this.name });
  }
}
