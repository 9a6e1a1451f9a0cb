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
  /** Storage autoscaling ceiling in GiB (RDS grows storage up to it when free space runs low). Default: 4 × allocatedStorageGb, at most 65536. */
  maxAllocatedStorageGb?: number;
  /** KMS key for storage encryption. Default: the account's RDS key. */
  kmsKeyArn?: Input<string>;
  /** Changing it regenerates the master password. */
  rotation: string;
  /** Refuse deletion in Pulumi as well. Default: false. */
  protect?: boolean;
  tags?: Record<string, string>;
}

export interface RdsEngine {
  /** Major version only: RDS picks the newest minor and `autoMinorVersionUpgrade` keeps it current without a diff. */
  version: string;
  /** Parameter-group family; it changes with every major version. */
  family: string;
  port: number;
  /** Forces utf8mb4 and TLS; logs slow queries (exported to CloudWatch on prod). */
  parameters: Record<string, string>;
  /** What the engine can export to CloudWatch Logs (prod). */
  logExports: string[];
  /** Whether RDS Extended Support exists for it, so `engineLifecycleSupport` may be set (not MariaDB). */
  extendedSupport: boolean;
}

const MYSQL_FAMILY_PARAMETERS = {
  character_set_server: "utf8mb4", collation_server: "utf8mb4_unicode_ci", require_secure_transport: "1",
  slow_query_log: "1", long_query_time: "2",
};

/**
 * Per engine, checked against RDS's supported major versions (late 2026): MySQL 8.0 left RDS
 * standard support on 2026-07-31 (a new 8.0 instance is billed Extended Support), so MySQL is
 * 8.4 LTS (standard support into 2029); MariaDB 10.11 LTS (standard support until its community
 * end of life, 2028-02); PostgreSQL 16 (standard support until 2029-02). docs/aws.md lists the
 * upgrade path of each.
 */
export const RDS_ENGINES: Record<DatabaseEngine, RdsEngine> = {
  mariadb: {
    version: "10.11",
    family: "mariadb10.11",
    port: 3306,
    parameters: MYSQL_FAMILY_PARAMETERS,
    logExports: ["error", "slowquery"],
    extendedSupport: false,
  },
  mysql: {
    version: "8.4",
    family: "mysql8.4",
    port: 3306,
    parameters: MYSQL_FAMILY_PARAMETERS,
    logExports: ["error", "slowquery"],
    extendedSupport: true,
  },
  postgres: {
    version: "16",
    family: "postgres16",
    port: 5432,
    parameters: { "rds.force_ssl": "1", log_min_duration_statement: "2000" },
    logExports: ["postgresql", "upgrade"],
    extendedSupport: true,
  },
};

/**
 * RDS Extended Support, set explicitly so its cost is a decision: production pays for it rather
 * than have AWS force a major upgrade in a window of its choosing at the end of standard support;
 * other profiles are upgraded by AWS instead of billed. MariaDB has no Extended Support.
 */
export function engineLifecycleSupport(engine: RdsEngine, production: boolean): string | undefined {
  if (!engine.extendedSupport) return undefined;
  return production ? "open-source-rds-extended-support" : "open-source-rds-extended-support-disabled";
}

/** The AWS-managed policy that lets RDS publish Enhanced Monitoring metrics. */
export const ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";

/**
 * A managed database (RDS): private, encrypted, TLS required, automated backups with
 * point-in-time recovery, reachable only from the cluster nodes; on production Multi-AZ,
 * deletion protection, a final snapshot and Performance Insights. An optional read replica
 * serves read-heavy endpoints (ScaiDrive's large tenants read far more than they write).
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
    // Auto-named: a family change (a major upgrade) creates the new group and attaches it before the
    // old one, which AWS refuses to delete while attached, goes. Stacks that had the fixed name
    // replace their group once, the same create-first way (docs/aws.md).
    const parameters = new aws.rds.ParameterGroup(name, {
      namePrefix: `${args.identifier}-`,
      family: engine.family,
      parameters: Object.entries(engine.parameters).map(([n, value]) => ({ name: n, value })),
      tags: args.tags,
    }, child);

    // A replacement deletes the old instance first (its identifier is fixed), so it ends in a final
    // snapshot on every profile. Its name changes with each replacement (RDS refuses a second
    // snapshot under a name already taken): the suffix is regenerated with what forces one.
    const finalSnapshotSuffix = new random.RandomId(`${name}-final-snapshot`, {
      byteLength: 4,
      keepers: {
        identifier: args.identifier,
        engine: args.request.engine,
        database: args.request.database,
        username: args.request.username,
        kmsKeyId: args.kmsKeyArn ?? "aws/rds",
      },
    }, child);

    const monitoringRole = args.production ? this.monitoringRole(name, args.tags, child) : undefined;
    const allocated = args.allocatedStorageGb ?? 50;

    const primary = new aws.rds.Instance(name, {
      identifier: args.identifier,
      engine: args.request.engine,
      engineVersion: engine.version,
      instanceClass: args.instanceClass ?? "db.t4g.medium",
      allocatedStorage: allocated,
      maxAllocatedStorage: args.maxAllocatedStorageGb ?? Math.min(allocated * 4, 65536),
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
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: pulumi.interpolate`${args.identifier}-final-${finalSnapshotSuffix.hex}`,
      // Automated backups outlive a deleted production instance for their retention period.
      deleteAutomatedBackups: !args.production,
      performanceInsightsEnabled: args.production,
      monitoringInterval: monitoringRole ? 60 : 0,
      monitoringRoleArn: monitoringRole?.arn,
      enabledCloudwatchLogsExports: args.production ? engine.logExports : [],
      engineLifecycleSupport: engineLifecycleSupport(engine, args.production),
      autoMinorVersionUpgrade: true,
      // A major engineVersion change is applied (AWS rejects it without this); docs/aws.md has the path.
      allowMajorVersionUpgrade: true,
      // Production changes (class, storage, version) wait for the maintenance window rather than
      // restart a live database; until then every preview proposes them again (docs/aws.md, "Pending modifications").
      applyImmediately: !args.production,
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
          // A replica holds nothing its source does not: no snapshot of its own.
          skipFinalSnapshot: true,
          performanceInsightsEnabled: args.production,
          autoMinorVersionUpgrade: true,
          applyImmediately: !args.production,
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

  /** The role RDS assumes to publish Enhanced Monitoring (OS-level) metrics. */
  private monitoringRole(name: string, tags: Record<string, string> | undefined, opts: pulumi.CustomResourceOptions): aws.iam.Role {
    const role = new aws.iam.Role(`${name}-monitoring`, {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    }, opts);
    new aws.iam.RolePolicyAttachment(`${name}-monitoring`, { role: role.name, policyArn: ENHANCED_MONITORING_POLICY }, opts);
    return role;
  }
}
