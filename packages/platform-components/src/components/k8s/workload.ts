import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { EgressRule, NetworkPolicyPeer, ServiceAccess, rolePolicySpec } from "./network";
import { childOptions } from "../options";
import {
  DEFAULT_UID, EnvVar, NamedPort, Probes, Resources, ScratchDir, hardenedPodSpec, probeAnnotations,
} from "./pod-spec";

type Input<T> = pulumi.Input<T>;

export interface WorkloadArgs {
  /** Namespace of every object. */
  namespace: Input<string>;
  /** Selector labels of the pods (from the naming helper); also set on every object. */
  selector: Record<string, string>;
  image: Input<string>;
  /** Container command (entrypoint override). Default: the image's. */
  command?: Input<string>[];
  /** Container args. Default: the image's. */
  args?: Input<string>[];
  /** Pods at creation; an autoscaler owns the count afterwards. Default: 1. */
  replicas?: number;
  /** The port the process listens on; a ClusterIP Service is created for it. Default: none. */
  port?: NamedPort & { servicePort?: number };
  /** Liveness/readiness checks, or why there are none. */
  probes: Probes;
  resources: Resources;
  env?: Input<EnvVar>[];
  /** UID/GID of the process. Default: 10001. */
  uid?: number;
  /** Writable directories on the read-only root filesystem. Default: /tmp. */
  scratch?: ScratchDir[];
  /** PodDisruptionBudget minAvailable. Default: 1; `false` for none. */
  minAvailable?: number | false;
  /**
   * PodDisruptionBudget maxUnavailable instead of minAvailable: for a single replica, where
   * minAvailable 1 would block every node drain. Default: unset (minAvailable applies).
   */
  maxUnavailable?: number;
  /** CPU-driven HorizontalPodAutoscaler. Default: none. */
  autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuUtilization: number };
  /** Another controller (KEDA) owns the replica count. Default: false. */
  externallyScaled?: boolean;
  /** Spread pods across nodes and zones. Default: true. */
  spread?: boolean;
  /** Services this workload uses: pod labels and egress rules. Default: none. */
  uses?: ServiceAccess[];
  /** Who may connect to `port`. Default: nobody. */
  allowFrom?: NetworkPolicyPeer[];
  /** Further egress, e.g. the internet on 443. Default: none. */
  allowEgress?: EgressRule[];
  /** ServiceAccount annotations, e.g. an IRSA role ARN. Default: none. */
  serviceAccountAnnotations?: Record<string, Input<string>>;
  /** Annotations of the Deployment itself, e.g. `pulumi.com/skipAwait`. Default: none. */
  annotations?: Record<string, string>;
  /** Pod annotations, e.g. Prometheus scrape hints. Default: none. */
  podAnnotations?: Record<string, Input<string>>;
  /** Run in the node's network namespace (ScaiSend SMTP only). Default: false. */
  hostNetwork?: boolean;
  /** Bind a port below 1024 under `hostNetwork` (see `HardenedPodArgs.bindLowPorts`). Default: false. */
  bindLowPorts?: boolean;
  /**
   * Expose `port` outside the cluster through a LoadBalancer Service instead of a ClusterIP one,
   * for protocols an Ingress cannot carry (SMTP). Default: ClusterIP.
   */
  loadBalancer?: {
    /** "Local" keeps the client's source address (no second hop through another node). Default: "Local". */
    externalTrafficPolicy?: "Local" | "Cluster";
    /** Cloud-specific load balancer settings, e.g. the AWS load balancer controller's. Default: none. */
    annotations?: Record<string, string>;
  };
  /** Seconds to finish in-flight work on shutdown. Default: 30. */
  terminationGracePeriodSeconds?: number;
  /** Run only on nodes with these labels (e.g. nodes whose egress the cluster routes a known way). Default: any node. */
  nodeSelector?: Record<string, string>;
}

/**
 * A long-lived role: Deployment, ServiceAccount (no token), Service when it listens,
 * PodDisruptionBudget, optional HPA, and a NetworkPolicy opening only what it uses. Rolling
 * updates surge and never take a ready pod away, so they cannot undercut the budget.
 */
export class Workload extends pulumi.ComponentResource {
  public readonly deploymentName: pulumi.Output<string>;
  /** Service name, when the workload listens. */
  public readonly serviceName?: pulumi.Output<string>;
  public readonly servicePort?: number;
  public readonly serviceAccountName: pulumi.Output<string>;
  public readonly selector: Record<string, string>;
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: WorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:Workload", name, {}, opts);
    const replicas = args.replicas ?? 1;
    const uid = args.uid ?? DEFAULT_UID;
    const minAvailable = args.minAvailable ?? 1;
    const spread = args.spread ?? true;
    const child = childOptions(this, opts);
    this.selector = args.selector;

    const labels = { ...COMMON_LABELS, ...args.selector };
    const podLabels = Object.assign({}, labels, ...(args.uses ?? []).map(u => u.clientLabels));
    const metadata = { name, namespace: args.namespace, labels };

    const sa = new k8s.core.v1.ServiceAccount(name, {
      metadata: { ...metadata, annotations: args.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    }, child);
    this.serviceAccountName = sa.metadata.name;

    const topology = spread
      ? ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map(topologyKey => ({
          maxSkew: 1,
          topologyKey,
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: args.selector },
        }))
      : undefined;

    const scaled = args.autoscaling !== undefined || args.externallyScaled === true;
    this.deployment = new k8s.apps.v1.Deployment(name, {
      metadata: args.annotations ? { ...metadata, annotations: args.annotations } : metadata,
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: args.selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: podLabels,
            annotations: { ...probeAnnotations(args.probes), ...args.podAnnotations },
          },
          spec: hardenedPodSpec({
            uid,
            scratch: args.scratch,
            probes: args.probes,
            serviceAccountName: this.serviceAccountName,
            hostNetwork: args.hostNetwork,
            bindLowPorts: args.bindLowPorts,
            terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
            topologySpreadConstraints: topology,
            nodeSelector: args.nodeSelector,
            container: {
              name: args.selector["app.kubernetes.io/component"] ?? "app",
              image: args.image,
              command: args.command,
              args: args.args,
              env: args.env,
              ports: args.port ? [{ name: args.port.name, containerPort: args.port.containerPort, protocol: args.port.protocol ?? "TCP" }] : undefined,
              resources: args.resources,
            },
          }),
        },
      },
    }, { ...child, ignoreChanges: scaled ? ["spec.replicas"] : undefined });
    this.deploymentName = this.deployment.metadata.name;

    if (args.port) {
      this.servicePort = args.port.servicePort ?? args.port.containerPort;
      const lb = args.loadBalancer;
      const svc = new k8s.core.v1.Service(name, {
        metadata: lb?.annotations ? { ...metadata, annotations: lb.annotations } : metadata,
        spec: {
          type: lb ? "LoadBalancer" : "ClusterIP",
          ...(lb ? { externalTrafficPolicy: lb.externalTrafficPolicy ?? "Local" } : {}),
          selector: args.selector,
          ports: [{ name: args.port.name, port: this.servicePort, targetPort: args.port.name, protocol: args.port.protocol ?? "TCP" }],
        },
      }, child);
      this.serviceName = svc.metadata.name;
    }

    if (args.maxUnavailable !== undefined || minAvailable !== false) {
      const budget = args.maxUnavailable !== undefined ? { maxUnavailable: args.maxUnavailable } : { minAvailable: minAvailable as number };
      new k8s.policy.v1.PodDisruptionBudget(name, {
        metadata,
        spec: { ...budget, selector: { matchLabels: args.selector } },
      }, child);
    }

    if (args.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deploymentName },
          minReplicas: args.autoscaling.minReplicas,
          maxReplicas: args.autoscaling.maxReplicas,
          metrics: [{
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.autoscaling.targetCpuUtilization } },
          }],
        },
      }, child);
    }

    const ingressRules = args.port && (args.allowFrom ?? []).length > 0
      ? [{ from: args.allowFrom, ports: [{ protocol: args.port.protocol ?? "TCP", port: args.port.name }] }]
      : [];
    new k8s.networking.v1.NetworkPolicy(name, {
      metadata,
      spec: rolePolicySpec(args.selector, { ...args, ingress: ingressRules }),
    }, child);

    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      serviceAccountName: this.serviceAccountName,
    });
  }
}
