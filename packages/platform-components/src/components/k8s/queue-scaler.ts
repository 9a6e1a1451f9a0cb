import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

/** Scale on the length of a Redis list/sorted set (KEDA's redis scaler reads either). */
export interface RedisQueueTrigger {
  kind: "redis";
  /** host:port of Redis. */
  address: Input<string>;
  /** Key holding the queue. */
  key: string;
  /** Redis password, as a Secret key. */
  passwordSecret: { name: Input<string>; key: string };
  /** Use TLS to Redis. Default: false. */
  tls?: boolean;
}

/** Scale on a Prometheus query (e.g. the worker's queue-depth metric). */
export interface PrometheusQueueTrigger {
  kind: "prometheus";
  serverAddress: string;
  query: string;
}

export interface QueueScalerArgs {
  namespace: Input<string>;
  labels: Record<string, string>;
  /** Deployment to scale. */
  deploymentName: Input<string>;
  trigger: RedisQueueTrigger | PrometheusQueueTrigger;
  /** Queued jobs per replica before scaling out. */
  jobsPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  /** Seconds after the last activity before scaling in. Default: 300. */
  cooldownSeconds?: number;
}

/** A KEDA ScaledObject that drives a worker Deployment's replica count from its queue depth. */
export class QueueScaler extends pulumi.ComponentResource {
  public readonly scaledObjectName: pulumi.Output<string>;

  constructor(name: string, args: QueueScalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:QueueScaler", name, {}, opts);
    const child = childOptions(this, opts);
    const metadata = { name, namespace: args.namespace, labels: { ...COMMON_LABELS, ...args.labels } };
    const t = args.trigger;

    let authenticationRef: { name: Input<string> } | undefined;
    if (t.kind === "redis") {
      const auth = new k8s.apiextensions.CustomResource(name, {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata,
        spec: { secretTargetRef: [{ parameter: "password", name: t.passwordSecret.name, key: t.passwordSecret.key }] },
      }, child);
      authenticationRef = { name: auth.metadata.name };
    }

    const trigger = t.kind === "redis"
      ? {
          type: "redis",
          metadata: {
            address: t.address,
            listName: t.key,
            listLength: String(args.jobsPerReplica),
            enableTLS: String(t.tls ?? false),
          },
          authenticationRef,
        }
      : {
          type: "prometheus",
          metadata: { serverAddress: t.serverAddress, query: t.query, threshold: String(args.jobsPerReplica) },
        };

    const so = new k8s.apiextensions.CustomResource(name, {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
        minReplicaCount: args.minReplicas,
        maxReplicaCount: args.maxReplicas,
        pollingInterval: 15,
        cooldownPeriod: args.cooldownSeconds ?? 300,
        triggers: [trigger],
      },
    }, child);
    this.scaledObjectName = so.metadata.name;

    this.registerOutputs({ scaledObjectName: this.scaledObjectName });
  }
}
