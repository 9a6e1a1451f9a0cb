import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { childOptions } from "../options";
import { EgressRule, ServiceAccess, rolePolicySpec } from "./network";
import { revisionHash } from "./one-shot-job";
import { DEFAULT_UID, EnvValue, Resources, envVars, hardenedPodSpec, restrictedContainerSecurity } from "./pod-spec";

type Input<T> = pulumi.Input<T>;

/** Client images whose dump tool matches the server major version. */
export const DUMP_IMAGES = {
  mysql: "mysql:8.0",
  mariadb: "mariadb:10.11",
  postgres: "postgres:16",
} as const;
/** Uploads the dump with the AWS CLI: works against S3 (static keys or IRSA) and S3-compatible stores. */
export const UPLOADER_IMAGE = "amazon/aws-cli:2.22.35";

export interface DatabaseDumpJobArgs {
  namespace: Input<string>;
  /** Labels of the job's pods (from the naming helper). */
  selector: Record<string, string>;
  engine: keyof typeof DUMP_IMAGES;
  database: { host: Input<string>; port: number; name: string; username: string; password: { secretName: Input<string>; key: string } };
  /** Where the compressed dump goes: `s3://<bucket>/<prefix><revision hash>.sql.gz`. */
  destination: {
    endpoint: Input<string>;
    region: string;
    bucket: Input<string>;
    /** Key prefix. Default: "backups/pre-migration/". */
    prefix?: string;
    /** Static credentials as Secret keys; absent when the ServiceAccount carries an IAM role. */
    accessKeyId?: { secretName: Input<string>; key: string };
    secretAccessKey?: { secretName: Input<string>; key: string };
  };
  /** The release being backed up before (e.g. image and schema version): one dump per revision. */
  revision: string;
  /** Largest dump the pod's scratch volume holds. Default: "10Gi". */
  maxDumpSize?: string;
  /** Services it reaches: the database and the bucket. */
  uses?: ServiceAccess[];
  /** Further egress (e.g. S3 over the internet). Default: none. */
  allowEgress?: EgressRule[];
  /** ServiceAccount annotations, e.g. an IRSA role that may write the bucket. Default: none. */
  serviceAccountAnnotations?: Record<string, Input<string>>;
  /** Default: 500m CPU, 512Mi memory. */
  resources?: Resources;
}

/**
 * A consistent logical dump of a database, compressed and copied to a bucket, once per release:
 * the "back up first" step before a forward-only migration. The dump tool runs as an init
 * container into a scratch volume; the upload container only starts when the dump succeeded,
 * and a Job that cannot upload fails, so whatever depends on it (the migration) never runs.
 */
export class DatabaseDumpJob extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  /** `s3://bucket/key` of this revision's dump. */
  public readonly objectUrl: pulumi.Output<string>;

  constructor(name: string, args: DatabaseDumpJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:DatabaseDumpJob", name, {}, opts);
    const prefix = args.destination.prefix ?? "backups/pre-migration/";
    const maxDumpSize = args.maxDumpSize ?? "10Gi";
    const resources = args.resources ?? { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } };
    const child = childOptions(this, opts);
    const labels = { ...COMMON_LABELS, ...args.selector };
    const podLabels = Object.assign({}, labels, ...(args.uses ?? []).map(u => u.clientLabels));
    const hash = revisionHash(args.revision);
    const key = `${prefix}${hash}.sql.gz`;
    this.objectUrl = pulumi.interpolate`s3://${args.destination.bucket}/${key}`;

    const sa = new k8s.core.v1.ServiceAccount(name, {
      metadata: { name, namespace: args.namespace, labels, annotations: args.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    }, child);

    const db = args.database;
    // --single-transaction (InnoDB) and pg_dump's snapshot give a consistent dump without locking writers.
    const dump = args.engine === "postgres"
      ? `pg_dump --no-owner -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" "$DB_NAME" | gzip > /backup/dump.sql.gz`
      : `${args.engine === "mariadb" ? "mariadb-dump" : "mysqldump"} --single-transaction --routines --triggers --no-tablespaces -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" "$DB_NAME" | gzip > /backup/dump.sql.gz`;
    const dumpEnv = envVars({
      DB_HOST: db.host,
      DB_PORT: String(db.port),
      DB_USER: db.username,
      DB_NAME: db.name,
      // Both clients read the password from the environment, never from the command line.
      [args.engine === "postgres" ? "PGPASSWORD" : "MYSQL_PWD"]: db.password,
    });
    const uploadEnv: Record<string, EnvValue> = {
      AWS_ACCESS_KEY_ID: args.destination.accessKeyId,
      AWS_SECRET_ACCESS_KEY: args.destination.secretAccessKey,
      AWS_DEFAULT_REGION: args.destination.region,
      S3_ENDPOINT_URL: args.destination.endpoint,
      S3_BUCKET: args.destination.bucket,
      HOME: "/tmp",
    };

    // Scratch volumes: scratch-0 is /tmp, scratch-1 holds the dump for both containers.
    const spec = hardenedPodSpec({
      uid: DEFAULT_UID,
      scratch: [{ path: "/tmp" }, { path: "/backup", sizeLimit: maxDumpSize }],
      restartPolicy: "Never",
      serviceAccountName: sa.metadata.name,
      probes: { none: "run-to-completion job" },
      container: {
        name: "upload",
        image: UPLOADER_IMAGE,
        command: ["aws", "s3", "cp", "/backup/dump.sql.gz", `s3://$(S3_BUCKET)/${key}`, "--endpoint-url", "$(S3_ENDPOINT_URL)", "--only-show-errors"],
        env: envVars(uploadEnv),
        resources,
      },
    });
    spec.initContainers = [{
      name: "dump",
      image: DUMP_IMAGES[args.engine],
      command: ["bash", "-c", `set -euo pipefail\n${dump}\nls -l /backup/dump.sql.gz`],
      env: dumpEnv,
      resources,
      // mysqldump/pg_dump need no user of their own; the pod's UID owns the /backup emptyDir.
      securityContext: restrictedContainerSecurity(DEFAULT_UID),
      volumeMounts: [{ name: "scratch-0", mountPath: "/tmp" }, { name: "scratch-1", mountPath: "/backup" }],
    }];

    const job = new k8s.batch.v1.Job(name, {
      metadata: { name: `${name}-${hash}`, namespace: args.namespace, labels },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 3600,
        template: { metadata: { labels: podLabels }, spec },
      },
    }, child);
    this.jobName = job.metadata.name;

    new k8s.networking.v1.NetworkPolicy(name, {
      metadata: { name, namespace: args.namespace, labels },
      spec: rolePolicySpec(args.selector, args),
    }, child);

    this.registerOutputs({ jobName: this.jobName, objectUrl: this.objectUrl });
  }
}
