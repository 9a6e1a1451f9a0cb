/**
 * Links between the systems of one environment: when a system that needs another's API is
 * deployed beside it, the consumer gets the provider's in-cluster address in the variable its
 * own documents name, its pods wear the provider's client label (so the provider's
 * NetworkPolicy admits them) and get egress to the provider's pods on the API port. A consumer's
 * config key can still point it elsewhere; then that address is used and no link is made.
 *
 * Adding a link: a row in SYSTEM_LINKS, and (for a new provider) its entry in LINK_TARGETS. The
 * outputs contract lists every link a system got (`systems.<name>.links`), see docs/systems.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccess, clientLabel } from "../components/k8s/network";
import { Naming } from "../components/naming";

/** How a pod of the same namespace reaches a system's API. */
export interface LinkTarget {
  /** The in-cluster URL of the API. */
  url: pulumi.Output<string>;
  /** The client label to wear and the egress rule to the API's pods. */
  access: ServiceAccess;
}

/** One system's need for another system's API. */
export interface SystemLink {
  /** The consuming system (its kind). */
  from: string;
  /** The providing system (its kind). */
  to: string;
  /** The consumer's environment variable that holds the provider's URL. */
  env: string;
  /** The consumer's config key (below its own section) that, when set, replaces the link. */
  overrideKey: string;
  /** What the consumer uses the provider for (docs). */
  purpose: string;
}

/** Every link the platform knows, from the systems' own documents. */
export const SYSTEM_LINKS: readonly SystemLink[] = [
  { from: "scaidrive", to: "scaisend", env: "SCAIDRIVE_SCAISEND_URL", overrideKey: "scaisendUrl", purpose: "invitations and notifications by email" },
];

/**
 * A system's API as another system of the environment reaches it: its Service (named by the
 * naming helper, as the system's Workload names it), the label its NetworkPolicy admits, and
 * egress to the pods behind it.
 */
export function apiTarget(naming: Naming, namespace: pulumi.Input<string>, system: string, role: string, port: number): LinkTarget {
  const service = naming.k8s(system, role);
  return {
    url: pulumi.interpolate`http://${service}.${namespace}.svc.cluster.local:${port}`,
    access: {
      clientLabels: clientLabel(service),
      egress: { to: [{ podSelector: { matchLabels: naming.labels(system, role) } }], ports: [{ protocol: "TCP", port }] },
    },
  };
}

/** The systems that can be linked to, and where their API is. */
export const LINK_TARGETS: Partial<Record<string, (naming: Naming, namespace: pulumi.Input<string>) => LinkTarget>> = {
  // ScaiSend's `scaisend serve` on 8000 (systems/scaisend.ts, SCAISEND_SEED.apiPort).
  scaisend: (naming, namespace) => apiTarget(naming, namespace, "scaisend", "api", 8000),
};

/** A link made in this environment. */
export interface ResolvedLink extends SystemLink, LinkTarget {}

/**
 * The links of system `from` in an environment deploying `deployed`, leaving out those whose
 * override key the consumer set (`overridden(key)` says which).
 */
export function linksOf(
  from: string, deployed: readonly string[], naming: Naming, namespace: pulumi.Input<string>, overridden: (key: string) => boolean,
): ResolvedLink[] {
  return SYSTEM_LINKS
    .filter(l => l.from === from && deployed.includes(l.to) && !overridden(l.overrideKey))
    .map(l => {
      const target = LINK_TARGETS[l.to];
      if (target === undefined) throw new Error(`link ${l.from} -> ${l.to}: ${l.to} has no entry in LINK_TARGETS`);
      return { ...l, ...target(naming, namespace) };
    });
}
