import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../k8s/app-secret";
import { EnvValue, envVars } from "../k8s/pod-spec";
import { StatefulService } from "../k8s/stateful-service";
import { DatabaseConnection, DatabaseEngine, DatabaseRequest } from "./data-plane";
import { childOptions } from "../options";

export interface InClusterDatabaseArgs {
  namespace: pulumi.Input<string>;
  selector: Record<string, string>;
  request: DatabaseRequest;
  /** Changing it regenerates the passwords. */
  rotation: string;
  /** PVC size. Default: 10Gi. */
  storage?: string;
  /** StorageClass. Default: the cluster default. */
  storageClass?: string;
}

interface EngineFacts {
  image: (r: DatabaseRequest) => string;
  port: number;
  dataPath: string;
  runDir: string;
  env: (r: DatabaseRequest, secretName: pulumi.Output<string>) => Record<string, EnvValue>;
  args: string[];
}

/** MariaDB's and MySQL's official images read the same variables under their own prefix. */
function mysqlFamily(prefix: "MARIADB" | "MYSQL", image: string, runDir: string): EngineFacts {
  return {
    image: () => image,
    port: 3306,
    dataPath: "/var/lib/mysql",
    runDir,
    env: (r, s) => ({
      [`${prefix}_DATABASE`]: r.database,
      [`${prefix}_USER`]: r.username,
      [`${prefix}_PASSWORD`]: { secretName: s, key: "password" },
      [`${prefix}_ROOT_PASSWORD`]: { secretName: s, key: "root-password" },
    }),
    args: ["--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
  };
}

/** Per-engine facts of the official images (all run as UID 999 when started non-root). */
const ENGINES: Record<DatabaseEngine, EngineFacts> = {
  mariadb: mysqlFamily("MARIADB", "mariadb:10.11", "/run/mysqld"),
  mysql: mysqlFamily("MYSQL", "mysql:8.0", "/var/run/mysqld"),
  postgres: {
    // pgvector's image is postgres:16 with the extension compiled in.
    image: r => (r.extensions ?? []).includes("vector") ? "pgvector/pgvector:pg16" : "postgres:16",
    port: 5432,
    dataPath: "/var/lib/postgresql/data",
    runDir: "/var/run/postgresql",
    env: (r, s) => ({
      POSTGRES_DB: r.database,
      POSTGRES_USER: r.username,
      POSTGRES_PASSWORD: { secretName: s, key: "password" },
      PGDATA: "/var/lib/postgresql/data/pgdata",
    }),
    args: [],
  },
};

/** A database server in the cluster (the `local` stand-in for RDS), with generated passwords. */
export class InClusterDatabase extends pulumi.ComponentResource {
  public readonly connection: DatabaseConnection;

  constructor(name: string, args: InClusterDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:data:InClusterDatabase", name, {}, opts);
    const child = childOptions(this, opts);
    const engine = ENGINES[args.request.engine];

    const credentials = new AppSecret(name, {
      namespace: args.namespace,
      labels: args.selector,
      rotation: args.rotation,
      generated: { "password": { length: 32 }, "root-password": { length: 32 } },
    }, child);

    const server = new StatefulService(name, {
      namespace: args.namespace,
      selector: args.selector,
      image: engine.image(args.request),
      args: engine.args,
      env: envVars(engine.env(args.request, credentials.secretName)),
      ports: [{ name: "db", containerPort: engine.port }],
      probes: { liveness: { kind: "tcp", port: "db" }, readiness: { kind: "tcp", port: "db" }, initialDelaySeconds: 30 },
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      uid: 999,
      dataPath: engine.dataPath,
      storage: args.storage ?? "10Gi",
      storageClass: args.storageClass,
      scratch: [{ path: "/tmp" }, { path: engine.runDir }],
    }, child);

    this.connection = {
      engine: args.request.engine,
      host: server.host,
      port: server.port,
      database: args.request.database,
      username: args.request.username,
      password: credentials.generated["password"],
      tls: false,
      access: server.access,
      ready: [server],
    };
    this.registerOutputs({ host: server.host });
  }
}
