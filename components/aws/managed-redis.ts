import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RedisConnection, RedisRequest } from "../data/data-plane";
import { childOptions } from "../options";
import { nodeOnlySecurityGroup } from "./node-only-security-group";

type Input<T> = pulumi.Input<T>;

const REDIS_PORT = 6379;

export interface ManagedRedisArgs {
  /** Replication group ID and name prefix of its parts (from the naming helper). */
  replicationGroupId: string;
  request: RedisRequest;
  vpcId: Input<string>;
  /** Private subnets for the cache subnet group. */
  subnetIds: Input<Input<string>[]>;
  /** The cluster nodes' security group: the only one admitted on 6379. */
  clientSecurityGroupId: Input<string>;
  /** CIDR the pods reach Redis in (NetworkPolicy egress). */
  vpcCidr: Input<string>;
  /** Production settings: a replica in another zone with automatic failover; changes wait for the maintenance window. */
  production: boolean;
  /** Node type. Default: cache.t4g.small. */
  nodeType?: string;
  /** KMS key for encryption at rest. Default: the AWS-managed ElastiCache key. */
  kmsKeyArn?: Input<string>;
  /** Changing it regenerates the auth token. */
  rotation: string;
  tags?: Record<string, string>;
}

/**
 * A managed Redis 7 (ElastiCache replication group): private, encrypted at rest and in transit,
 * behind a generated auth token, reachable only from the cluster nodes; on production a second
 * node in another zone with automatic failover. Queues live here, so keys are never evicted.
 */
export class ManagedRedis extends pulumi.ComponentResource {
  public readonly connection: RedisConnection;

  constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:ManagedRedis", name, {}, opts);
    const child = childOptions(this, opts);
    const nodeType = args.nodeType ?? "cache.t4g.small";
    const maxmemoryPolicy = args.request.maxmemoryPolicy ?? "noeviction";

    // ElastiCache allows only ! & # $ ^ < > - among special characters in a token; RandomPassword's default set has more.
    const password = new random.RandomPassword(`${name}-auth`, {
      length: 64,
      special: false,
      keepers: { rotation: args.rotation },
    }, child);

    const subnets = new aws.elasticache.SubnetGroup(name, { name: args.replicationGroupId, subnetIds: args.subnetIds, tags: args.tags }, child);
    const sg = nodeOnlySecurityGroup(name, {
      groupName: args.replicationGroupId, service: "redis", vpcId: args.vpcId,
      nodeSecurityGroupId: args.clientSecurityGroupId, port: REDIS_PORT, tags: args.tags,
    }, child);
    // The default group's volatile-lru would drop queued jobs under memory pressure.
    const parameters = new aws.elasticache.ParameterGroup(name, {
      name: args.replicationGroupId,
      family: "redis7",
      parameters: [{ name: "maxmemory-policy", value: maxmemoryPolicy }],
      tags: args.tags,
    }, child);

    const group = new aws.elasticache.ReplicationGroup(name, {
      replicationGroupId: args.replicationGroupId,
      description: `${args.replicationGroupId}: queues and cache`,
      engine: "redis",
      engineVersion: "7.1",
      nodeType,
      port: REDIS_PORT,
      parameterGroupName: parameters.name,
      subnetGroupName: subnets.name,
      securityGroupIds: [sg.id],
      atRestEncryptionEnabled: true,
      kmsKeyId: args.kmsKeyArn,
      // AWS accepts an auth token only with in-transit encryption on.
      transitEncryptionEnabled: true,
      authToken: password.result,
      // Automatic failover and Multi-AZ need a replica to promote.
      numCacheClusters: args.production ? 2 : 1,
      automaticFailoverEnabled: args.production,
      multiAzEnabled: args.production,
      // The seeds treat Redis as ephemeral, so there is nothing worth snapshotting.
      snapshotRetentionLimit: 0,
      autoMinorVersionUpgrade: true,
      // On production a modification waits for the maintenance window rather than disturb live traffic.
      applyImmediately: !args.production,
      tags: args.tags,
    }, child);

    this.connection = {
      host: group.primaryEndpointAddress,
      port: REDIS_PORT,
      password: pulumi.secret(password.result),
      tls: true,
      access: {
        clientLabels: {},
        egress: { to: [{ ipBlock: { cidr: args.vpcCidr } }], ports: [{ protocol: "TCP", port: REDIS_PORT }] },
      },
      ready: [group],
    };
    this.registerOutputs({ host: this.connection.host });
  }
}
