import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RedisConnection, RedisRequest } from "../data/data-plane";
import { childOptions } from "../options";
import { nodeOnlySecurityGroup } from "./node-only-security-group";

type Input<T> = pulumi.Input<T>;

const REDIS_PORT = 6379;
/** Redis OSS 7.1 and its parameter-group family (the upgrade path to Valkey is in docs/aws.md). */
export const REDIS_VERSION = "7.1";
export const REDIS_FAMILY = "redis7";
/** Production's daily snapshot (UTC), clear of the weekly maintenance window. */
export const SNAPSHOT_WINDOW = "02:00-03:00";
export const MAINTENANCE_WINDOW = "sun:04:00-sun:05:00";

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
  /** Changing it regenerates the auth token; the old one is revoked (authTokenUpdateStrategy SET). */
  rotation: string;
  /** Days of daily snapshots on production. Default: 7. */
  snapshotRetentionDays?: number;
  tags?: Record<string, string>;
}

/** ElastiCache's limit on a replication group id. */
export const REPLICATION_GROUP_ID_MAX = 40;

/**
 * A managed Redis 7 (ElastiCache replication group): private, encrypted at rest and in transit,
 * behind a generated auth token, reachable only from the cluster nodes; on production a second
 * node in another zone with automatic failover. Queues live here, so keys are never evicted.
 */
export class ManagedRedis extends pulumi.ComponentResource {
  public readonly connection: RedisConnection;

  constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    // ElastiCache's own rule, which only `up` would otherwise report (the naming helper allows 63).
    if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(args.replicationGroupId) || args.replicationGroupId.length > REPLICATION_GROUP_ID_MAX || args.replicationGroupId.includes("--")) {
      throw new Error(`ElastiCache replication group id "${args.replicationGroupId}" must start with a letter, hold only lowercase letters, digits and single hyphens, not end with one, and be at most ${REPLICATION_GROUP_ID_MAX} characters: shorten the environment or instance name`);
    }
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
    // Auto-named (no `name`): a family change (redis7 -> valkey8) creates and attaches the new group
    // before the old one, which AWS refuses to delete while attached, goes. Stacks that had the
    // fixed name replace their group once, the same create-first way (docs/aws.md).
    const parameters = new aws.elasticache.ParameterGroup(name, {
      family: REDIS_FAMILY,
      parameters: [
        { name: "maxmemory-policy", value: maxmemoryPolicy },
        // Only when the system asks (HridaAI: 1800 s), so other groups keep AWS's default.
        ...(args.request.idleTimeoutSeconds !== undefined ? [{ name: "timeout", value: String(args.request.idleTimeoutSeconds) }] : []),
      ],
      tags: args.tags,
    }, child);

    // A replacement deletes the group first (its id is fixed): a final snapshot keeps the queues,
    // under a name regenerated with what forces a replacement (ElastiCache refuses a taken name).
    const finalSnapshotSuffix = new random.RandomId(`${name}-final-snapshot`, {
      byteLength: 4,
      keepers: { replicationGroupId: args.replicationGroupId, kmsKeyId: args.kmsKeyArn ?? "aws/elasticache" },
    }, child);

    const group = new aws.elasticache.ReplicationGroup(name, {
      replicationGroupId: args.replicationGroupId,
      description: `${args.replicationGroupId}: queues and cache`,
      engine: "redis",
      engineVersion: REDIS_VERSION,
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
      // A rotated token replaces the old one at once (ROTATE would keep both valid): pods roll with
      // the new Secret, and a leaked old token stops working.
      authTokenUpdateStrategy: "SET",
      // Automatic failover and Multi-AZ need a replica to promote.
      numCacheClusters: args.production ? 2 : 1,
      automaticFailoverEnabled: args.production,
      multiAzEnabled: args.production,
      // Queued jobs live here: production keeps daily snapshots, and every profile a final one.
      snapshotRetentionLimit: args.production ? args.snapshotRetentionDays ?? 7 : 0,
      snapshotWindow: args.production ? SNAPSHOT_WINDOW : undefined,
      maintenanceWindow: args.production ? MAINTENANCE_WINDOW : undefined,
      finalSnapshotIdentifier: pulumi.interpolate`${args.replicationGroupId}-final-${finalSnapshotSuffix.hex}`,
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
