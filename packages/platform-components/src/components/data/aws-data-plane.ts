import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketAccessKey } from "../aws/bucket-access-key";
import { BucketAccessRole } from "../aws/bucket-access-role";
import { ManagedDatabase } from "../aws/managed-database";
import { ManagedRedis } from "../aws/managed-redis";
import { ObjectBucket } from "../aws/object-bucket";
import { SecretMirror } from "../aws/secret-mirror";
import { SecretStore } from "../k8s/app-secret";
import { internetEgress } from "../k8s/network";
import { Naming } from "../naming";
import {
  BucketConnection, BucketRequest, DataPlane, DatabaseConnection, DatabaseRequest, RedisConnection, RedisRequest,
} from "./data-plane";

type Input<T> = pulumi.Input<T>;

/** What the data services need to know about the cluster (from the cluster stack or config). */
export interface ClusterNetwork {
  vpcId: Input<string>;
  /** Pods reach data services inside it (NetworkPolicy egress). */
  vpcCidr: Input<string>;
  privateSubnetIds: Input<Input<string>[]>;
  /** The nodes' security group, the only one databases and Redis admit. */
  nodeSecurityGroupId: Input<string>;
  oidcProviderArn: Input<string>;
  /** Issuer, with or without https://. */
  oidcProviderUrl: Input<string>;
}

export interface AwsDataPlaneArgs {
  naming: Naming;
  /** The environment namespace (plain: IRSA trust names its ServiceAccounts). */
  namespace: string;
  network: ClusterNetwork;
  /** The provider of the primary region: every data service is created with it. */
  provider: aws.Provider;
  /** That provider's region (apps need it plain, e.g. AWS_REGION). */
  region: string;
  /** Production settings (Multi-AZ, failover, deletion protection, final snapshots, Performance Insights). */
  production: boolean;
  /** `protect` on databases and buckets. */
  protect: boolean;
  /** Changing it regenerates every generated password and token. */
  rotation: string;
  /** Customer-managed key of the primary region. Default: AWS-managed keys. */
  kmsKeyArn?: Input<string>;
  /** Buckets replicate into this region's provider (with its own key when `kmsKeyArn` is set). Default: no replication. */
  replica?: { provider: aws.Provider; kmsKeyArn?: Input<string> };
  database: { instanceClass: string; allocatedStorageGb: number; backupRetentionDays: number };
  redis: { nodeType: string };
  noncurrentVersionDays: number;
  /** Also hand apps static S3 keys (IAM user). Default: IRSA only. */
  staticBucketKeys?: boolean;
  /** Random suffix of every bucket name (ObjectBucketArgs.nameSuffix). Default: none (legacy names). */
  bucketNameSuffix?: Input<string>;
}

/** Tag naming the system a cloud resource belongs to (the environment is a provider default tag). */
export const SYSTEM_TAG = "scai:system";

/**
 * Managed data services on AWS, one of each kind per system: RDS, ElastiCache, S3 with IRSA,
 * and a Secrets Manager copy of each app Secret. Each is a sibling under its system, so the
 * slow ones (RDS, ElastiCache, replication) are created in parallel.
 */
export class AwsDataPlane implements DataPlane, SecretStore {
  constructor(private readonly a: AwsDataPlaneArgs) {}

  private options(parent: pulumi.Resource, protect = false): pulumi.ComponentResourceOptions {
    return { parent, providers: [this.a.provider], protect };
  }

  /** Where a database or Redis sits and who reaches it: the cluster's private subnets, from its nodes. */
  private placement() {
    const n = this.a.network;
    return {
      vpcId: n.vpcId,
      subnetIds: n.privateSubnetIds,
      clientSecurityGroupId: n.nodeSecurityGroupId,
      vpcCidr: n.vpcCidr,
      production: this.a.production,
    };
  }

  private tags(owner: string): Record<string, string> {
    return { [SYSTEM_TAG]: owner };
  }

  database(owner: string, request: DatabaseRequest, parent: pulumi.Resource): DatabaseConnection {
    const identifier = this.a.naming.cloud(owner, request.engine);
    return new ManagedDatabase(identifier, {
      identifier,
      request,
      ...this.placement(),
      backupRetentionDays: this.a.database.backupRetentionDays,
      instanceClass: this.a.database.instanceClass,
      allocatedStorageGb: this.a.database.allocatedStorageGb,
      kmsKeyArn: this.a.kmsKeyArn,
      rotation: this.a.rotation,
      protect: this.a.protect,
      tags: this.tags(owner),
    }, this.options(parent)).connection;
  }

  redis(owner: string, request: RedisRequest, parent: pulumi.Resource): RedisConnection {
    const id = this.a.naming.cloud(owner, "redis");
    return new ManagedRedis(id, {
      replicationGroupId: id,
      request,
      ...this.placement(),
      nodeType: this.a.redis.nodeType,
      kmsKeyArn: this.a.kmsKeyArn,
      rotation: this.a.rotation,
      tags: this.tags(owner),
    }, this.options(parent)).connection;
  }

  bucket(owner: string, request: BucketRequest, parent: pulumi.Resource): BucketConnection {
    const bucketName = this.a.naming.cloud(owner, request.purpose);
    const bucket = new ObjectBucket(bucketName, {
      bucketName,
      nameSuffix: this.a.bucketNameSuffix,
      request,
      noncurrentVersionDays: this.a.noncurrentVersionDays,
      kmsKeyArn: this.a.kmsKeyArn,
      replica: this.a.replica && { ...this.a.replica, bucketName: this.a.naming.cloud(owner, request.purpose, "replica") },
      protect: this.a.protect,
      tags: this.tags(owner),
    }, this.options(parent));
    const roleName = this.a.naming.cloud(owner, request.purpose, "s3");
    const role = new BucketAccessRole(roleName, {
      roleName,
      bucketArn: bucket.arn,
      namespace: this.a.namespace,
      serviceAccounts: request.serviceAccounts,
      oidcProviderArn: this.a.network.oidcProviderArn,
      oidcProviderUrl: this.a.network.oidcProviderUrl,
      kmsKeyArn: this.a.kmsKeyArn,
      tags: this.tags(owner),
    }, this.options(parent));
    const key = this.a.staticBucketKeys
      ? new BucketAccessKey(`${roleName}-key`, {
          userName: `${roleName}-user`, bucketArn: bucket.arn, kmsKeyArn: this.a.kmsKeyArn, rotation: this.a.rotation, tags: this.tags(owner),
        }, this.options(parent))
      : undefined;
    return {
      endpoint: pulumi.output(`https://s3.${this.a.region}.amazonaws.com`),
      region: this.a.region,
      bucket: bucket.bucketName,
      arn: bucket.arn,
      credentials: key && { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      serviceAccountAnnotations: role.serviceAccountAnnotations,
      // S3 answers on public addresses, also through a VPC gateway endpoint.
      access: { clientLabels: {}, egress: internetEgress([443]) },
      ready: [bucket, role],
    };
  }

  mirror(secretName: string, data: pulumi.Output<Record<string, string>>, parent: pulumi.Resource): void {
    const path = this.a.naming.path(secretName);
    new SecretMirror(`${secretName}-mirror`, {
      secretName: path,
      data,
      kmsKeyArn: this.a.kmsKeyArn,
      recoveryWindowDays: this.a.production ? 30 : 0,
    }, this.options(parent));
  }
}
