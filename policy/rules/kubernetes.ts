/**
 * Kubernetes rules: the hardening the systems ask of every pod (RA-HCP's checklist, Novitai's
 * hardened container), probes and sizing for long-lived processes, disruption budgets, pinned
 * images on prod, secrets only through `secretKeyRef`, a default-deny namespace, and host
 * networking for nothing but ScaiSend's SMTP listener.
 */
import { MOVING_TAGS_PHRASE, imageTag, mutableImageReason } from "@scai/platform-components/image-ref";
import { PolicyResource, ResourceRule, StackRule, Violation } from "./rule";

// The one pinned-image rule (also config validation's and the ECR build's); re-exported for the rule's tests.
export { imageTag };

/** Pod annotation saying why a container has no probes (`packages/platform-components/src/components/k8s/pod-spec.ts`). */
export const NO_PROBES_ANNOTATION = "scai.dev/no-probes-reason";
/** The only role allowed `hostNetwork` (ScaiSend: recipient MXs must see the node's public IP). */
export const SMTP_COMPONENT = "smtp";
const COMPONENT_LABEL = "app.kubernetes.io/component";

const K8S = "kubernetes:";
const LONG_LIVED = ["apps/v1:Deployment", "apps/v1:StatefulSet", "apps/v1:DaemonSet", "apps/v1:ReplicaSet"].map(t => K8S + t);
const WITH_TEMPLATE = [...LONG_LIVED, `${K8S}batch/v1:Job`];

export interface PodTemplate {
  spec: any;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  longLived: boolean;
}

/** The pod a workload resource runs (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podTemplate(r: PolicyResource): PodTemplate | undefined {
  const p = r.props ?? {};
  let template: any;
  if (WITH_TEMPLATE.includes(r.type)) template = p.spec?.template;
  else if (r.type === `${K8S}batch/v1:CronJob`) template = p.spec?.jobTemplate?.spec?.template;
  else if (r.type === `${K8S}core/v1:Pod`) template = { metadata: p.metadata, spec: p.spec };
  if (!template?.spec) return undefined;
  return {
    spec: template.spec,
    labels: template.metadata?.labels ?? {},
    annotations: template.metadata?.annotations ?? {},
    longLived: LONG_LIVED.includes(r.type),
  };
}

function containersOf(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function isSmtp(pod: PodTemplate): boolean {
  return pod.labels[COMPONENT_LABEL] === SMTP_COMPONENT;
}

// Pod Security Standards v1.30, restricted profile (which includes baseline).
const ALLOWED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
];
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/**
 * Violations of Pod Security Standards "restricted" in a pod spec, plus the platform's own
 * hardening (read-only root filesystem, no service-account token). Host networking is judged by
 * `k8s-host-network-smtp-only` instead, so the SMTP pod's exception is stated in one place.
 */
export function restrictedViolations(pod: PodTemplate): string[] {
  const v: string[] = [];
  const spec = pod.spec;
  const podSc = spec.securityContext ?? {};
  if (spec.hostPID) v.push("hostPID is set");
  if (spec.hostIPC) v.push("hostIPC is set");
  if (spec.automountServiceAccountToken !== false) v.push("the service-account token is mounted (automountServiceAccountToken is not false)");
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) v.push(`unsafe sysctl ${s.name}`);
  if (podSc.windowsOptions?.hostProcess) v.push("windowsOptions.hostProcess is set");
  for (const vol of spec.volumes ?? []) {
    const kind = Object.keys(vol).find(k => k !== "name");
    if (!kind || !ALLOWED_VOLUMES.includes(kind)) v.push(`volume ${vol.name} is of type ${kind ?? "unknown"}`);
  }
  for (const c of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}:`;
    if (sc.privileged) v.push(`${at} privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at} allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) v.push(`${at} capabilities do not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((x: string) => x !== "NET_BIND_SERVICE");
    if (added.length) v.push(`${at} adds capabilities ${added.join(", ")}`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) v.push(`${at} runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) v.push(`${at} runAsUser is 0`);
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") v.push(`${at} seccompProfile is ${seccomp ?? "unset"}, not RuntimeDefault or Localhost`);
    const apparmor = (sc.appArmorProfile ?? podSc.appArmorProfile)?.type;
    if (apparmor === "Unconfined") v.push(`${at} AppArmor profile is Unconfined`);
    const selinux = sc.seLinuxOptions ?? podSc.seLinuxOptions;
    if (selinux && (!SELINUX_TYPES.includes(selinux.type ?? "") || selinux.user || selinux.role)) v.push(`${at} custom SELinux options`);
    if (sc.procMount && sc.procMount !== "Default") v.push(`${at} procMount is ${sc.procMount}`);
    if (sc.readOnlyRootFilesystem !== true) v.push(`${at} root filesystem is writable`);
    // Under hostNetwork the API server defaults hostPort to containerPort: that is the SMTP exception.
    const hostPorts = (c.ports ?? []).filter((p: any) => p.hostPort && !(spec.hostNetwork && isSmtp(pod) && p.hostPort === p.containerPort));
    if (hostPorts.length) v.push(`${at} uses hostPort ${hostPorts.map((p: any) => p.hostPort).join(", ")}`);
  }
  return v;
}

export const podSecurityRestricted: ResourceRule = {
  kind: "resource",
  name: "k8s-pod-security-restricted",
  description: "Every pod meets Pod Security Standards restricted (non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, allowed volume types), with a read-only root filesystem and no service-account token (RA-HCP's hardening checklist).",
  check(r) {
    const pod = podTemplate(r);
    return pod ? restrictedViolations(pod).map(m => `${r.props.metadata?.name}: ${m}`) : [];
  },
};

export const longLivedProbes: ResourceRule = {
  kind: "resource",
  name: "k8s-long-lived-probes",
  description: `Containers of Deployments and StatefulSets have liveness and readiness probes, unless the pod's ${NO_PROBES_ANNOTATION} annotation gives a non-empty reason (e.g. a queue worker with no listener).`,
  check(r) {
    const pod = podTemplate(r);
    if (!pod?.longLived) return [];
    const reason = pod.annotations[NO_PROBES_ANNOTATION];
    if (typeof reason === "string" && reason.trim() !== "") return [];
    const v: string[] = [];
    for (const c of pod.spec.containers ?? []) {
      const missing = [c.livenessProbe ? undefined : "liveness", c.readinessProbe ? undefined : "readiness"].filter(Boolean);
      if (missing.length) v.push(`${r.props.metadata?.name}: container ${c.name} has no ${missing.join(" or ")} probe and the pod has no ${NO_PROBES_ANNOTATION} annotation`);
    }
    return v;
  },
};

export const longLivedResources: ResourceRule = {
  kind: "resource",
  name: "k8s-long-lived-resources",
  description: "Containers of Deployments and StatefulSets request and limit both CPU and memory, so the scheduler places them and a leak cannot starve a node.",
  check(r) {
    const pod = podTemplate(r);
    if (!pod?.longLived) return [];
    const v: string[] = [];
    for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
      const missing = ["requests", "limits"].flatMap(kind =>
        ["cpu", "memory"].filter(res => !c.resources?.[kind]?.[res]).map(res => `${kind}.${res}`));
      if (missing.length) v.push(`${r.props.metadata?.name}: container ${c.name} has no ${missing.join(", ")}`);
    }
    return v;
  },
};

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: any) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case "In": return has && (e.values ?? []).includes(labels[e.key]);
      case "NotIn": return !has || !(e.values ?? []).includes(labels[e.key]);
      case "Exists": return has;
      case "DoesNotExist": return !has;
      default: return false;
    }
  });
  return byLabel && byExpression;
}

function namespaceOf(r: PolicyResource): string {
  return r.props.metadata?.namespace ?? "default";
}

export const pdbForReplicatedDeployments: StackRule = {
  kind: "stack",
  name: "k8s-pdb-for-replicated-deployments",
  description: "A Deployment that runs more than one replica has a PodDisruptionBudget in its namespace whose selector matches its pods, so node drains keep it serving.",
  check(resources) {
    const pdbs = resources.filter(r => r.type === `${K8S}policy/v1:PodDisruptionBudget`);
    return resources
      .filter(r => r.type === `${K8S}apps/v1:Deployment` && (r.props.spec?.replicas ?? 1) > 1)
      .filter(d => {
        const labels = d.props.spec?.template?.metadata?.labels ?? {};
        return !pdbs.some(p => namespaceOf(p) === namespaceOf(d) && selectorMatches(p.props.spec?.selector, labels));
      })
      .map(d => ({ urn: d.urn, message: `Deployment ${d.props.metadata?.name} runs ${d.props.spec.replicas} replicas but no PodDisruptionBudget in namespace ${namespaceOf(d)} selects its pods` }));
  },
};

export const pinnedImagesOnProd: ResourceRule = {
  kind: "resource",
  name: "k8s-pinned-images-on-prod",
  prodOnly: true,
  description: `On prod every container image is pinned by a version tag or a digest: no moving tag (${MOVING_TAGS_PHRASE}) and no untagged image, so a restart cannot silently change the code.`,
  check(r) {
    const pod = podTemplate(r);
    if (!pod) return [];
    return containersOf(pod.spec).flatMap(c => {
      const reason = typeof c.image === "string" ? mutableImageReason(c.image) : "has no tag";
      return reason === undefined ? [] : [`${r.props.metadata?.name}: container ${c.name} image ${c.image ?? "(none)"} ${reason}`];
    });
  },
};

/** Env names that carry credentials by convention. */
export const SECRET_NAME = /SECRET|PASSWORD|TOKEN|API_KEY|_KEY$/i;
/** A URL with a password in its userinfo, e.g. redis://:pw@host or postgresql://u:pw@host/db. */
export const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;
/** Values that are settings, not secrets, even under a secret-looking name (ENABLE_API_KEY=true, TOKEN_TTL=300s). */
const SETTING_VALUE = /^(true|false|yes|no|on|off|\d+(\.\d+)?[a-z]{0,3})?$/i;

/** Why a plain (name, value) pair looks like a secret; undefined when it does not. */
export function plaintextSecretReason(name: string, value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (URL_WITH_CREDENTIALS.test(value)) return `${name} is a URL with credentials`;
  if (SECRET_NAME.test(name) && !SETTING_VALUE.test(value.trim())) return `${name} looks like a secret`;
  return undefined;
}

export const noPlaintextSecretEnv: ResourceRule = {
  kind: "resource",
  name: "k8s-no-plaintext-secret-env",
  description: "No env value (or ConfigMap entry) that looks like a secret: a name matching SECRET|PASSWORD|TOKEN|API_KEY|_KEY$ with a literal value, or a URL with credentials. Such values come from a Secret through secretKeyRef.",
  check(r) {
    if (r.type === `${K8S}core/v1:ConfigMap`) {
      return Object.entries(r.props.data ?? {}).flatMap(([k, v]) => {
        const why = plaintextSecretReason(k, v);
        return why ? [`ConfigMap ${r.props.metadata?.name}: ${why}; keep it in a Secret`] : [];
      });
    }
    const pod = podTemplate(r);
    if (!pod) return [];
    return containersOf(pod.spec).flatMap(c => (c.env ?? []).flatMap((e: any) => {
      const why = plaintextSecretReason(e.name, e.value);
      return why ? [`${r.props.metadata?.name}: container ${c.name}: ${why} but is set as a literal value, not through secretKeyRef`] : [];
    }));
  },
};

/** Whether a NetworkPolicy selects every pod and denies this direction outright. */
function deniesAll(np: PolicyResource, direction: "Ingress" | "Egress"): boolean {
  const spec = np.props.spec ?? {};
  const selector = spec.podSelector ?? {};
  const allPods = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const types: string[] = spec.policyTypes ?? (spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  const rules = direction === "Ingress" ? spec.ingress : spec.egress;
  return allPods && types.includes(direction) && (rules ?? []).length === 0;
}

export const namespaceDefaultDeny: StackRule = {
  kind: "stack",
  name: "k8s-namespace-default-deny",
  description: "Every namespace the stack creates has NetworkPolicies that select all pods and deny all ingress and all egress, so each workload opens only what it uses (RA-HCP: each environment in its own namespace with network policies).",
  check(resources) {
    const policies = resources.filter(r => r.type === `${K8S}networking.k8s.io/v1:NetworkPolicy`);
    return resources.filter(r => r.type === `${K8S}core/v1:Namespace`).flatMap((ns): Violation[] => {
      const name = ns.props.metadata?.name;
      const inNs = policies.filter(p => p.props.metadata?.namespace === name);
      const missing = (["Ingress", "Egress"] as const).filter(d => !inNs.some(p => deniesAll(p, d)));
      return missing.length
        ? [{ urn: ns.urn, message: `namespace ${name} has no default-deny NetworkPolicy for ${missing.join(" and ")}` }]
        : [];
    });
  },
};

export const noNodePortOnProd: ResourceRule = {
  kind: "resource",
  name: "k8s-no-nodeport-on-prod",
  prodOnly: true,
  description: "No Service of type NodePort on prod: it opens a port on every node, bypassing the ingress controller and NetworkPolicies at the node edge.",
  check(r) {
    return r.type === `${K8S}core/v1:Service` && r.props.spec?.type === "NodePort"
      ? [`Service ${r.props.metadata?.name} is of type NodePort`]
      : [];
  },
};

export const hostNetworkSmtpOnly: ResourceRule = {
  kind: "resource",
  name: "k8s-host-network-smtp-only",
  description: `hostNetwork only for pods labelled ${COMPONENT_LABEL}: ${SMTP_COMPONENT} (ScaiSend: the SMTP service listens on port 25 from the node's public address).`,
  check(r) {
    const pod = podTemplate(r);
    if (!pod?.spec.hostNetwork || isSmtp(pod)) return [];
    return [`${r.props.metadata?.name}: hostNetwork is set but the pod's ${COMPONENT_LABEL} is ${pod.labels[COMPONENT_LABEL] ?? "unset"}, not ${SMTP_COMPONENT}`];
  },
};

export const kubernetesRules = [
  podSecurityRestricted,
  longLivedProbes,
  longLivedResources,
  pdbForReplicatedDeployments,
  pinnedImagesOnProd,
  noPlaintextSecretEnv,
  namespaceDefaultDeny,
  noNodePortOnProd,
  hostNetworkSmtpOnly,
];
