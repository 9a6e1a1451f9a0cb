/**
 * Pod and container building blocks shared by every workload, job and data service, so that
 * Pod Security Standards "restricted" is met in one place: non-root, read-only root filesystem
 * with writable emptyDirs where the process needs them, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp, no service-account token.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Input<T> = pulumi.Input<T>;
export type EnvVar = k8s.types.input.core.v1.EnvVar;
export type Container = k8s.types.input.core.v1.Container;
export type PodSpec = k8s.types.input.core.v1.PodSpec;

/** Default UID for platform containers that do not declare their own. */
export const DEFAULT_UID = 10001;

/** A health check. Ports are referred to by container-port name. */
export type Probe =
  | { kind: "http"; path: string; port: string }
  | { kind: "tcp"; port: string }
  | { kind: "exec"; command: string[] };

/**
 * Liveness and readiness checks, or an explicit statement of why a process has none
 * (e.g. a queue worker with no listener: Kubernetes restarts it when it exits).
 */
export type Probes =
  | { liveness: Probe; readiness: Probe; startup?: Probe; initialDelaySeconds?: number; timing?: ProbeTiming }
  | { none: string };

/**
 * A process's own health-check rhythm (e.g. its image's HEALTHCHECK): liveness and readiness
 * probe every `periodSeconds`, give up on one after `timeoutSeconds` and act after
 * `failureThreshold` failures in a row; a startup probe gives it `startPeriodSeconds` to come up
 * before the others count. Default: 10 s period, 5 s timeout, 6 failures (liveness) / 3 (readiness).
 */
export interface ProbeTiming {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  /** Time allowed to start, checked by the startup probe every 5 s. Default: the startup probe's 30 × 10 s. */
  startPeriodSeconds?: number;
}

/** Annotation recording why a container has no probes; read by the policy pack. */
export const NO_PROBES_ANNOTATION = "scai.dev/no-probes-reason";

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** A writable directory on an otherwise read-only root filesystem. */
export interface ScratchDir {
  path: string;
  /** "Memory" for tmpfs. Default: node disk. */
  medium?: "Memory";
  /** Size cap. Default: 256Mi. */
  sizeLimit?: string;
}

/** A container port; `name` is what Services and probes refer to. */
export interface NamedPort {
  name: string;
  containerPort: number;
  protocol?: "TCP" | "UDP";
}

/** A value for an env var: plain text, or a key of a Secret (never a secret in plain text). */
export type EnvValue = Input<string> | { secretName: Input<string>; key: string } | undefined;

/** Env vars from a map; undefined values are left out, so optional variables stay unset. */
export function envVars(values: Record<string, EnvValue>): EnvVar[] {
  return Object.entries(values)
    .filter((e): e is [string, Exclude<EnvValue, undefined>] => e[1] !== undefined)
    .map(([name, v]) =>
      typeof v === "object" && v !== null && "secretName" in v
        ? { name, valueFrom: { secretKeyRef: { name: v.secretName, key: v.key } } }
        : { name, value: v as Input<string> },
    );
}

function toK8sProbe(p: Probe, initialDelaySeconds: number, failureThreshold: number, periodSeconds = 10, timeoutSeconds = 5): k8s.types.input.core.v1.Probe {
  const timing = { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold };
  switch (p.kind) {
    case "http":
      return { httpGet: { path: p.path, port: p.port }, ...timing };
    case "tcp":
      return { tcpSocket: { port: p.port }, ...timing };
    case "exec":
      return { exec: { command: p.command }, ...timing };
  }
}

export function containerProbes(probes: Probes): Partial<Container> {
  if ("none" in probes) return {};
  const delay = probes.initialDelaySeconds ?? 10;
  const t = probes.timing;
  if (t !== undefined) {
    // A startup probe, when there is one, holds the others back: they need no initial delay.
    const startDelay = probes.startup ? 0 : delay;
    const startEvery = 5;
    return {
      livenessProbe: toK8sProbe(probes.liveness, startDelay, t.failureThreshold, t.periodSeconds, t.timeoutSeconds),
      readinessProbe: toK8sProbe(probes.readiness, startDelay, t.failureThreshold, t.periodSeconds, t.timeoutSeconds),
      ...(probes.startup ? {
        startupProbe: toK8sProbe(probes.startup, 0, Math.ceil((t.startPeriodSeconds ?? 300) / startEvery), startEvery, t.timeoutSeconds),
      } : {}),
    };
  }
  return {
    livenessProbe: toK8sProbe(probes.liveness, delay, 6),
    readinessProbe: toK8sProbe(probes.readiness, Math.min(delay, 5), 3),
    ...(probes.startup ? { startupProbe: toK8sProbe(probes.startup, 0, 30) } : {}),
  };
}

export function restrictedContainerSecurity(uid: number): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface HardenedPodArgs {
  container: Omit<Container, "securityContext" | "volumeMounts">;
  /** UID and GID of the process and owner of mounted volumes. */
  uid: number;
  /** Writable paths. Default: /tmp on node disk. */
  scratch?: ScratchDir[];
  /** Extra volumes with their mount paths (PVCs, config). */
  volumes?: Array<{ volume: k8s.types.input.core.v1.Volume; mountPath: string; readOnly?: boolean }>;
  probes: Probes;
  restartPolicy?: "Always" | "OnFailure" | "Never";
  hostNetwork?: boolean;
  /**
   * Bind a port below 1024 in the node's network namespace, where no sysctl can lower the limit:
   * the process runs as root with every capability dropped except NET_BIND_SERVICE (a non-root
   * process cannot use that capability, as Kubernetes grants no ambient capabilities). Only in a
   * namespace whose Pod Security level admits root. Default: false.
   */
  bindLowPorts?: boolean;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: Input<string>;
  topologySpreadConstraints?: k8s.types.input.core.v1.TopologySpreadConstraint[];
  /** Run only on nodes with these labels. Default: any node. */
  nodeSelector?: Record<string, string>;
}

/** A single-container pod spec that meets Pod Security Standards "restricted". */
export function hardenedPodSpec(a: HardenedPodArgs): PodSpec {
  const scratch = a.scratch ?? [{ path: "/tmp" }];
  const scratchVolumes = scratch.map((s, i) => ({
    volume: { name: `scratch-${i}`, emptyDir: { medium: s.medium, sizeLimit: s.sizeLimit ?? "256Mi" } },
    mountPath: s.path,
    readOnly: false,
  }));
  const mounted = [...scratchVolumes, ...(a.volumes ?? [])];
  const root = a.bindLowPorts === true;
  const containerSecurity = root
    ? { ...restrictedContainerSecurity(0), runAsNonRoot: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } }
    : restrictedContainerSecurity(a.uid);
  return {
    automountServiceAccountToken: false,
    serviceAccountName: a.serviceAccountName,
    enableServiceLinks: false,
    hostNetwork: a.hostNetwork || undefined,
    dnsPolicy: a.hostNetwork ? "ClusterFirstWithHostNet" : undefined,
    restartPolicy: a.restartPolicy,
    terminationGracePeriodSeconds: a.terminationGracePeriodSeconds,
    topologySpreadConstraints: a.topologySpreadConstraints,
    nodeSelector: a.nodeSelector,
    securityContext: {
      runAsNonRoot: !root,
      runAsUser: root ? 0 : a.uid,
      runAsGroup: root ? 0 : a.uid,
      fsGroup: root ? undefined : a.uid,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [
      {
        ...a.container,
        ...containerProbes(a.probes),
        securityContext: containerSecurity,
        volumeMounts: mounted.map(m => ({ name: m.volume.name, mountPath: m.mountPath, readOnly: m.readOnly })),
      },
    ],
    volumes: mounted.map(m => m.volume),
  };
}

/** Annotations that record why a pod has no probes. */
export function probeAnnotations(probes: Probes): Record<string, string> {
  return "none" in probes ? { [NO_PROBES_ANNOTATION]: probes.none } : {};
}
