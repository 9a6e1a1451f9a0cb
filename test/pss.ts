/**
 * Pod Security Standards "restricted" (Kubernetes v1.30 definition) as a check over a pod spec,
 * plus this platform's own hardening: read-only root filesystem, no service-account token.
 * Returns the violations; empty means compliant.
 */
const ALLOWED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export function restrictedViolations(spec: any): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork) v.push("hostNetwork");
  if (spec.hostPID) v.push("hostPID");
  if (spec.hostIPC) v.push("hostIPC");
  if (spec.automountServiceAccountToken !== false) v.push("service-account token mounted");
  if ((pod.sysctls ?? []).length > 0) v.push("sysctls");
  for (const vol of spec.volumes ?? []) {
    const kind = Object.keys(vol).find(k => k !== "name");
    if (!kind || !ALLOWED_VOLUMES.includes(kind)) v.push(`volume ${vol.name} of type ${kind}`);
  }
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}:`;
    if (sc.privileged) v.push(`${at} privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at} allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) v.push(`${at} capabilities not dropping ALL`);
    const added = (sc.capabilities?.add ?? []).filter((x: string) => x !== "NET_BIND_SERVICE");
    if (added.length) v.push(`${at} adds capabilities ${added.join(",")}`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) v.push(`${at} runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) v.push(`${at} runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") v.push(`${at} seccomp ${seccomp}`);
    if (sc.readOnlyRootFilesystem !== true) v.push(`${at} root filesystem writable`);
    if ((c.ports ?? []).some((p: any) => p.hostPort)) v.push(`${at} hostPort`);
    if (sc.procMount && sc.procMount !== "Default") v.push(`${at} procMount`);
  }
  return v;
}
