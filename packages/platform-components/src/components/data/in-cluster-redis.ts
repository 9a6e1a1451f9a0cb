import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../k8s/app-secret";
import { NetworkPolicyPeer } from "../k8s/network";
import { envVars } from "../k8s/pod-spec";
import { StatefulService } from "../k8s/stateful-service";
import { RedisConnection, RedisRequest } from "./data-plane";
import { childOptions } from "../options";

export interface InClusterRedisArgs {
  namespace: pulumi.Input<string>;
  selector: Record<string, string>;
  request?: RedisRequest;
  /** Changing it regenerates the password. */
  rotation: string;
  /** Peers admitted besides labelled clients, e.g. the KEDA operator. Default: none. */
  alsoAllowFrom?: NetworkPolicyPeer[];
  /** StorageClass. Default: the cluster default. */
  storageClass?: string;
}

/**
 * Redis 7 in the cluster with a generated password. The queues live here, so memory is never
 * reclaimed by evicting keys; an append-only file lets a restarted pod keep queued jobs.
 */
export class InClusterRedis extends pulumi.ComponentResource {
  public readonly connection: RedisConnection;

  constructor(name: string, args: InClusterRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:data:InClusterRedis", name, {}, opts);
    const child = childOptions(this, opts);

    const credentials = new AppSecret(name, {
      namespace: args.namespace,
      labels: args.selector,
      rotation: args.rotation,
      generated: { password: { length: 32 } },
    }, child);

    const server = new StatefulService(name, {
      namespace: args.namespace,
      selector: args.selector,
      image: "redis:7.2",
      command: ["redis-server"],
      // $(REDIS_PASSWORD) is expanded by the kubelet, so the password never appears in the spec.
      args: [
        "--requirepass", "$(REDIS_PASSWORD)",
        "--maxmemory-policy", args.request?.maxmemoryPolicy ?? "noeviction",
        "--appendonly", "yes",
        "--dir", "/data",
        "--timeout", "1800",
        "--maxclients", "10000",
      ],
      env: envVars({ REDIS_PASSWORD: credentials.ref("password") }),
      ports: [{ name: "redis", containerPort: 6379 }],
      probes: { liveness: { kind: "tcp", port: "redis" }, readiness: { kind: "tcp", port: "redis" } },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      uid: 999,
      dataPath: "/data",
      storage: "2Gi",
      storageClass: args.storageClass,
      alsoAllowFrom: args.alsoAllowFrom,
    }, child);

    this.connection = {
      host: server.host,
      port: server.port,
      password: credentials.generated.password,
      tls: false,
      access: server.access,
      ready: [server],
    };
    this.registerOutputs({ host: server.host });
  }
}
