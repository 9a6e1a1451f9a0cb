import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { NetworkPolicyPeer, ServiceAccess, clientLabel } from "./network";
import { EnvVar, NamedPort, Probes, Resources, ScratchDir, hardenedPodSpec } from "./pod-spec";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface StatefulServiceArgs {
  namespace: Input<string>;
  /** Selector labels (from the naming helper). */
  selector: Record<string, string>;
  image: string;
  command?: string[];
  args?: Input<string>[];
  env?: Input<EnvVar>[];
  /** Ports it listens on; the first is the one clients use. */
  ports: NamedPort[];
  probes: Probes;
  resources: Resources;
  /** UID/GID the image's process runs as. */
  uid: number;
  /** Where the PVC is mounted. */
  dataPath: string;
  /** PVC size. */
  storage: string;
  /** StorageClass. Default: the cluster default. */
  storageClass?: string;
  /** Writable directories besides the data volume. Default: /tmp. */
  scratch?: ScratchDir[];
  /** Peers admitted besides labelled clients (e.g. the KEDA operator). Default: none. */
  alsoAllowFrom?: NetworkPolicyPeer[];
}

/**
 * A single-replica StatefulSet with a PersistentVolumeClaim, a headless Service and a
 * NetworkPolicy that admits only pods wearing its client label: the in-cluster stand-in for
 * a managed data service.
 */
export class StatefulService extends pulumi.ComponentResource {
  public readonly host: pulumi.Output<string>;
  public readonly port: number;
  /** How a client reaches this service. */
  public readonly access: ServiceAccess;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: StatefulServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:StatefulService", name, {}, opts);
    const child = childOptions(this, opts);
    const labels = { ...COMMON_LABELS, ...args.selector };
    const metadata = { name, namespace: args.namespace, labels };
    const primary = args.ports[0];
    this.port = primary.containerPort;

    const svc = new k8s.core.v1.Service(name, {
      metadata,
      spec: {
        type: "ClusterIP",
        // Headless: a StatefulSet's serviceName must name a headless Service (its pods' DNS identity);
        // with one replica the name still resolves to the one server, without a virtual IP between.
        clusterIP: "None",
        selector: args.selector,
        ports: args.ports.map(p => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: "TCP" })),
      },
    }, child);
    this.host = pulumi.interpolate`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;

    this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
      metadata,
      spec: {
        serviceName: svc.metadata.name,
        replicas: 1,
        // The volume claims outlive the StatefulSet: a replacement (a new storage class, a changed
        // claim template) deletes the StatefulSet first, and its successor mounts the same
        // data-<name>-0 claim again instead of starting empty. Retain is the Kubernetes default; it
        // is spelled out so no later edit flips it to Delete unnoticed.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        selector: { matchLabels: args.selector },
        template: {
          metadata: { labels },
          spec: hardenedPodSpec({
            uid: args.uid,
            scratch: args.scratch,
            probes: args.probes,
            terminationGracePeriodSeconds: 60,
            volumes: [{ volume: { name: "data", persistentVolumeClaim: { claimName: "data" } }, mountPath: args.dataPath }],
            container: {
              name: args.selector["app.kubernetes.io/component"] ?? "server",
              image: args.image,
              command: args.command,
              args: args.args,
              env: args.env,
              ports: args.ports.map(p => ({ name: p.name, containerPort: p.containerPort, protocol: "TCP" })),
              resources: args.resources,
            },
          }),
        },
        volumeClaimTemplates: [{
          metadata: { name: "data", labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: args.storageClass,
            resources: { requests: { storage: args.storage } },
          },
        }],
      },
    }, child);

    const client = clientLabel(name);
    new k8s.networking.v1.NetworkPolicy(name, {
      metadata,
      spec: {
        podSelector: { matchLabels: args.selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{
          from: [{ podSelector: { matchLabels: client } }, ...(args.alsoAllowFrom ?? [])],
          ports: args.ports.map(p => ({ protocol: "TCP", port: p.name })),
        }],
        egress: [],
      },
    }, child);

    this.access = {
      clientLabels: client,
      egress: {
        to: [{ podSelector: { matchLabels: args.selector } }],
        ports: [{ protocol: "TCP", port: primary.containerPort }],
      },
    };
    this.registerOutputs({ host: this.host });
  }
}
