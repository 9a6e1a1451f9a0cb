import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyPeer } from "../k8s/network";
import { Naming } from "../naming";
import {
  BucketConnection, BucketRequest, DataPlane, DatabaseConnection, DatabaseRequest, RedisConnection, RedisRequest,
} from "./data-plane";
import { InClusterDatabase } from "./in-cluster-database";
import { InClusterObjectStore } from "./in-cluster-object-store";
import { InClusterRedis } from "./in-cluster-redis";

export interface InClusterDataPlaneArgs {
  naming: Naming;
  namespace: pulumi.Input<string>;
  /** Changing it regenerates every data-service credential. */
  rotation: string;
  /** Peers Redis admits besides its clients (the KEDA operator reads queue depth). */
  redisAlsoAllowFrom: NetworkPolicyPeer[];
  /** Keep noncurrent object versions this many days. Default: 30. */
  noncurrentVersionDays?: number;
  /** StorageClass for the data volumes. Default: the cluster default. */
  storageClass?: string;
}

/** Data services run inside the cluster, one server per system and kind (local stack). */
export class InClusterDataPlane implements DataPlane {
  constructor(private readonly a: InClusterDataPlaneArgs) {}

  database(owner: string, request: DatabaseRequest, parent: pulumi.Resource): DatabaseConnection {
    const name = this.a.naming.k8s(owner, request.engine);
    return new InClusterDatabase(name, {
      namespace: this.a.namespace,
      selector: this.a.naming.labels(owner, request.engine),
      request,
      rotation: this.a.rotation,
      storageClass: this.a.storageClass,
    }, { parent }).connection;
  }

  redis(owner: string, request: RedisRequest, parent: pulumi.Resource): RedisConnection {
    const name = this.a.naming.k8s(owner, "redis");
    return new InClusterRedis(name, {
      namespace: this.a.namespace,
      selector: this.a.naming.labels(owner, "redis"),
      request,
      rotation: this.a.rotation,
      alsoAllowFrom: this.a.redisAlsoAllowFrom,
      storageClass: this.a.storageClass,
    }, { parent }).connection;
  }

  bucket(owner: string, request: BucketRequest, parent: pulumi.Resource): BucketConnection {
    const name = this.a.naming.k8s(owner, "minio");
    return new InClusterObjectStore(name, {
      namespace: this.a.namespace,
      selector: this.a.naming.labels(owner, "minio"),
      bucketName: this.a.naming.cloud(owner, request.purpose),
      request,
      noncurrentVersionDays: this.a.noncurrentVersionDays ?? 30,
      rotation: this.a.rotation,
      storageClass: this.a.storageClass,
    }, { parent }).connection;
  }
}
