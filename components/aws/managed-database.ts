import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DatabaseConnection, DatabaseEngine, DatabaseRequest } from "../data/data-plane";
import { childOptions } from "../options";
import { nodeOnlySecurityGroup } from "./node-only-security-group";

type Input<T> = pulumi.Input<T>;

export interface ManagedDatabaseArgs {
  /** RDS identifier and name prefix of its parts (from the naming helper). */
  identifier: string;
  request: DatabaseRequest;
  vpcId: Input<string>;
  /** Private subnets for the DB subnet group. */
  subnetIds: Input<Input<string>[]>;
  /** The cluster nodes' security group: the only one admitted on the engine port. */
  clientSecurityGroupId: Input<string>;
  /** CIDR the pods reach the database in (NetworkPolicy egress). */
  vpcCidr: Input<string>;
  /** Production settings: Multi-AZ, deletion protection, final snapshot, Performance Insights. */
  production: boolean;
  /** Days of automated backups (point-in-time recovery within them). */
  backupRetentionDays: number;
  /** Instance class. Default: db.t4g.medium. */
  instanceClass?: string;
  /** Storage in GiB. Default: 50. */
  allocatedStorageGb?: number;
  /** KMS key for storage encryption. Default: the account's RDS key. */
  kmsKeyArn?: Input<string>;
  /** Changing it regenerates the master password. */
  rotation: string;
  /** Refuse deletion in Pulumi as well. Default: false. */
  protect?: boolean;
  tags?: Record<string, string>;
}

/** Per engine: version, parameter-group family, port and the parameters that force utf8mb4 and TLS. */
export const RDS_ENGINES: Record<DatabaseEngine, { version: string; family: string; port: number; parameters: Record<string, string> }> = {
  mariadb: {
    version: "10.11",
    family: "mariadb10.11",
    port: 3306,
    parameters: { character_set_server: "utf8mb4", collation_server: "utf8mb4_unicode_ci", require_secure_transport: "1" },
  },
  mysql: {
    version: "8.0",
    family: "mysql8.0",
    port: 3306,
    parameters: { character_set_server: "utf8mb4", collation_server: "utf8mb4_unicode_ci", require_secure_transport: "1" },
  },
  postgres: { version: "16", family: "postgres16", port: 5432, parameters: { "rds.force_ssl": "1" } },
};

/**
 * A managed database (RDS): private, encrypted, TLS required, automated backups with
 * point-in-time recovery, reachable only from the cluster nodes; on production Multi-AZ,
 * deletion protection, a final snapshot and Performance Insights. An optional read replica
 * serves read-heavy endpoints (seed 000's large tenants).
 */
export class ManagedDatabase extends pulumi.ComponentResource {
  public readonly connection: DatabaseConnection;

  constructor(name: string, args: ManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:aws:ManagedDatabase", name, {}, opts);
    const child = childOptions(this, opts);
    const engine = RDS_ENGINES[args.request.engine];
    const protect = args.protect ?? false;

    const password = new random.RandomPassword(`${name}-master`, {
      length: 32,
      special: false,
      keepers: { rotation: args.rotation },
    }, child);

    const subnets = new aws.rds.SubnetGroup(name, { name: args.identifier, subnetIds: args.subnetIds, tags: args.tags }, child);
    const sg = nodeOnlySecurityGroup(name, {
      groupName: args.identifier, service: args.request.engine, vpcId: args.vpcId,
      nodeSecurityGroupId: args.clientSecurityGroupId, port: engine.port, tags: args.tags,
    }, child);
    const parameters = new aws.rds.ParameterGroup(name, {
      name: args.identifier,
      family: engine.family,
      parameters: Object.entries(engine.parameters).map(([n, value]) => ({ name: n, value })),
      tags: args.tags,
    }, child);

    const primary = new aws.rds.Instance(name, {
      identifier: args.identifier,
      engine: args.request.engine,
      engineVersion: engine.version,
      instanceClass: args.instanceClass ?? "db.t4g.medium",
      allocatedStorage: args.allocatedStorageGb ?? 50,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: args.kmsKeyArn,
      dbName: args.request.database,
      username: args.request.username,
      password: password.result,
      port: engine.port,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: args.production,
      backupRetentionPeriod: args.backupRetentionDays,
      deletionProtection: args.production,
      skipFinalSnapshot: !args.production,
      finalSnapshotIdentifier: args.production ? `${args.identifier}-final` : undefined,
      performanceInsightsEnabled: args.production,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      tags: args.tags,
    }, { ...child, protect });

    const replica = args.request.readReplica
      ? new aws.rds.Instance(`${name}-reader`, {
          identifier: `${args.identifier}-reader`,
          replicateSourceDb: primary.identifier,
          instanceClass: args.instanceClass ?? "db.t4g.medium",
          storageEncrypted: true,
          kmsKeyId: args.kmsKeyArn,
          vpcSecurityGroupIds: [sg.id],
          parameterGroupName: parameters.name,
          publiclyAccessible: false,
          skipFinalSnapshot: true,
          performanceInsightsEnabled: args.production,
          tags: args.tags,
        }, child)
      : undefined;

    this.connection = {
      engine: args.request.engine,
      host: primary.address,
      port: engine.port,
      database: args.request.database,
      username: args.request.username,
      password: pulumi.secret(password.result),
      readerHost: replica?.address,
      tls: true,
      access: {
        clientLabels: {},
        egress: { to: [{ ipBlock: { cidr: args.vpcCidr } }], ports: [{ protocol: "TCP", port: engine.port }] },
      },
      ready: [primary],
    };
    this.registerOutputs({ host: this.connection.host });
  }
}
