/**
 * The interface between systems and their data services. A system asks for a database, a
 * Redis and a bucket; it gets connection facts back, wherever they run (in the cluster on
 * `local`, managed by AWS on dev/prod). Systems build their own URLs from these facts, in
 * the dialect their driver expects, so no implementation knows any system.
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccess } from "../k8s/network";

export type DatabaseEngine = "mariadb" | "mysql" | "postgres";

export interface DatabaseRequest {
  engine: DatabaseEngine;
  /** Database (schema) name. */
  database: string;
  /** Application user. */
  username: string;
  /** PostgreSQL extensions the app needs, e.g. "vector". Default: none. */
  extensions?: string[];
  /** A read replica for read-heavy endpoints. Default: false. */
  readReplica?: boolean;
}

export interface DatabaseConnection {
  engine: DatabaseEngine;
  host: pulumi.Output<string>;
  port: number;
  database: string;
  username: string;
  /** Secret Output. */
  password: pulumi.Output<string>;
  /** Read replica host, when one was asked for. */
  readerHost?: pulumi.Output<string>;
  /** Whether clients must use TLS. */
  tls: boolean;
  access: ServiceAccess;
  /** What a client should wait for before it starts. */
  ready: pulumi.Resource[];
}

export interface RedisRequest {
  /** Keep only what fits; never evict queued jobs. Default: "noeviction". */
  maxmemoryPolicy?: "noeviction" | "allkeys-lru";
  /**
   * Close client connections idle this many seconds (Redis `timeout`), for apps that would
   * otherwise exhaust connections over time. Default: the service's own (ElastiCache: 0, never;
   * the in-cluster Redis closes after 1800 s).
   */
  idleTimeoutSeconds?: number;
}

export interface RedisConnection {
  host: pulumi.Output<string>;
  port: number;
  /** Secret Output. */
  password: pulumi.Output<string>;
  tls: boolean;
  access: ServiceAccess;
  ready: pulumi.Resource[];
}

/** Delete objects under `prefix` this many days after creation. */
export interface ExpiryRule {
  id: string;
  prefix: string;
  expireAfterDays: number;
}

export interface BucketRequest {
  /** What the bucket holds, part of its name: "files", "attachments". */
  purpose: string;
  /** Prefixes whose objects expire. Default: none. */
  expire?: ExpiryRule[];
  /** Prefixes that must never expire (checked against `expire`). Default: none. */
  retain?: string[];
  /** Abort unfinished multipart uploads after this many days. Default: 1. */
  abortIncompleteUploadsAfterDays?: number;
  /** ServiceAccounts (names in the environment namespace) allowed to use the bucket. */
  serviceAccounts: string[];
}

export interface BucketConnection {
  /** S3 API endpoint URL. */
  endpoint: pulumi.Output<string>;
  region: string;
  bucket: pulumi.Output<string>;
  arn?: pulumi.Output<string>;
  /** Static credentials (secret Outputs), when the implementation uses them. */
  credentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  /** Annotations for the ServiceAccounts in `serviceAccounts` (e.g. an IRSA role). */
  serviceAccountAnnotations?: Record<string, pulumi.Output<string>>;
  access: ServiceAccess;
  ready: pulumi.Resource[];
}

/**
 * Provisions data services for one system. `owner` is the system name (used in names);
 * `parent` is the system's component, so its data services sit under it in the resource tree.
 */
export interface DataPlane {
  database(owner: string, request: DatabaseRequest, parent: pulumi.Resource): DatabaseConnection;
  redis(owner: string, request: RedisRequest, parent: pulumi.Resource): RedisConnection;
  bucket(owner: string, request: BucketRequest, parent: pulumi.Resource): BucketConnection;
}

/** A retained prefix (e.g. chunks/) must not fall under any expiring prefix, nor contain one. */
export function assertRetainedNeverExpire(req: BucketRequest): void {
  for (const rule of req.expire ?? []) {
    for (const kept of req.retain ?? []) {
      if (kept.startsWith(rule.prefix) || rule.prefix.startsWith(kept)) {
        throw new Error(`bucket "${req.purpose}": rule ${rule.id} (${rule.prefix}) would expire retained prefix ${kept}`);
      }
    }
  }
}

/**
 * URL query that makes the driver speak TLS, for servers that require it. libpq's `sslmode=require`;
 * SQLAlchemy's MySQL dialects (asyncmy, aiomysql, pymysql) turn TLS on when any `ssl_*` key is
 * present. Neither verifies the server certificate: that needs the RDS CA bundle in the image.
 */
export const TLS_QUERY: Record<DatabaseEngine, string> = {
  postgres: "sslmode=require",
  mariadb: "ssl_check_hostname=false",
  mysql: "ssl_check_hostname=false",
};

/** `scheme://user:password@host:port/database`, with the TLS query when the server requires TLS, as a secret Output. */
export function databaseUrl(scheme: string, c: DatabaseConnection): pulumi.Output<string> {
  const query = c.tls ? `?${TLS_QUERY[c.engine]}` : "";
  return pulumi.secret(
    pulumi.interpolate`${scheme}://${encodeURIComponent(c.username)}:${c.password.apply(encodeURIComponent)}@${c.host}:${c.port}/${c.database}${query}`,
  );
}

/** `redis://` or `rediss://` URL with the password, as a secret Output. */
export function redisUrl(c: RedisConnection, db = 0): pulumi.Output<string> {
  const scheme = c.tls ? "rediss" : "redis";
  return pulumi.secret(pulumi.interpolate`${scheme}://:${c.password.apply(encodeURIComponent)}@${c.host}:${c.port}/${db}`);
}
