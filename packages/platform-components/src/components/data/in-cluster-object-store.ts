import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../k8s/app-secret";
import { OneShotJob } from "../k8s/one-shot-job";
import { envVars } from "../k8s/pod-spec";
import { StatefulService } from "../k8s/stateful-service";
import { COMMON_LABELS } from "../naming";
import { BucketConnection, BucketRequest } from "./data-plane";
import { bucketLifecycle, minioLifecycle } from "./lifecycle";
import { childOptions } from "../options";

export const MINIO_IMAGE = "minio/minio:RELEASE.2024-11-07T00-52-20Z";
export const MINIO_CLIENT_IMAGE = "minio/mc:RELEASE.2024-11-21T17-21-54Z";

export interface InClusterObjectStoreArgs {
  namespace: pulumi.Input<string>;
  selector: Record<string, string>;
  /** Physical bucket name (from the naming helper). */
  bucketName: string;
  request: BucketRequest;
  /** Keep noncurrent object versions this many days. */
  noncurrentVersionDays: number;
  /** Changing it regenerates the credentials. */
  rotation: string;
  /** PVC size. Default: 10Gi. */
  storage?: string;
  /** StorageClass. Default: the cluster default. */
  storageClass?: string;
}

/** Idempotent set-up: every command may run again on an existing bucket. */
const SETUP_SCRIPT = `set -eu
until mc alias set store "$S3_ENDPOINT" "$ROOT_USER" "$ROOT_PASSWORD" >/dev/null; do
  echo "waiting for the object store"; sleep 3
done
mc mb --ignore-existing "store/$BUCKET"
mc version enable "store/$BUCKET"
mc ilm import "store/$BUCKET" < /config/lifecycle.json
mc admin policy create store "$BUCKET-rw" /config/policy.json
mc admin user add store "$APP_ACCESS_KEY" "$APP_SECRET_KEY"
# attach fails when the policy is already attached; that is the state we want.
mc admin policy attach store "$BUCKET-rw" --user "$APP_ACCESS_KEY" || true
`;

/**
 * An S3-compatible store (MinIO) in the cluster with one versioned bucket, its lifecycle
 * rules, and an app user limited to that bucket: the `local` stand-in for S3.
 */
export class InClusterObjectStore extends pulumi.ComponentResource {
  public readonly connection: BucketConnection;

  constructor(name: string, args: InClusterObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    // The same lifecycle model as S3's (components/data/lifecycle.ts); MinIO aborts stale uploads server-side.
    const lifecycleRules = minioLifecycle(bucketLifecycle(args.request, args.noncurrentVersionDays));
    super("scai:data:InClusterObjectStore", name, {}, opts);
    const child = childOptions(this, opts);
    const bucket = args.bucketName;

    const credentials = new AppSecret(name, {
      namespace: args.namespace,
      labels: args.selector,
      rotation: args.rotation,
      generated: {
        "root-user": { length: 20 },
        "root-password": { length: 40 },
        "access-key": { length: 20 },
        "secret-key": { length: 40 },
      },
    }, child);

    const server = new StatefulService(name, {
      namespace: args.namespace,
      selector: args.selector,
      image: MINIO_IMAGE,
      command: ["minio"],
      args: ["server", "/data", "--address", ":9000", "--console-address", ":9001", "--certs-dir", "/tmp/certs"],
      env: envVars({
        MINIO_ROOT_USER: credentials.ref("root-user"),
        MINIO_ROOT_PASSWORD: credentials.ref("root-password"),
        ...lifecycleRules.serverEnv,
      }),
      ports: [{ name: "s3", containerPort: 9000 }, { name: "console", containerPort: 9001 }],
      probes: {
        liveness: { kind: "http", path: "/minio/health/live", port: "s3" },
        readiness: { kind: "http", path: "/minio/health/ready", port: "s3" },
      },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      uid: 1000,
      dataPath: "/data",
      storage: args.storage ?? "10Gi",
      storageClass: args.storageClass,
    }, child);
    const endpoint = pulumi.interpolate`http://${server.host}:${server.port}`;

    const lifecycle = JSON.stringify(lifecycleRules.ilm, null, 2);
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Action: ["s3:*"],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      }],
    }, null, 2);
    const setupName = `${name}-setup`;
    const config = new k8s.core.v1.ConfigMap(setupName, {
      metadata: { name: setupName, namespace: args.namespace, labels: { ...COMMON_LABELS, ...args.selector } },
      data: { "lifecycle.json": lifecycle, "policy.json": policy, "setup.sh": SETUP_SCRIPT },
    }, child);

    const setup = new OneShotJob(setupName, {
      namespace: args.namespace,
      selector: { ...args.selector, "app.kubernetes.io/component": "bucket-setup" },
      image: MINIO_CLIENT_IMAGE,
      command: ["/bin/sh", "/config/setup.sh"],
      env: envVars({
        MC_CONFIG_DIR: "/tmp/.mc",
        S3_ENDPOINT: endpoint,
        BUCKET: bucket,
        ROOT_USER: credentials.ref("root-user"),
        ROOT_PASSWORD: credentials.ref("root-password"),
        APP_ACCESS_KEY: credentials.ref("access-key"),
        APP_SECRET_KEY: credentials.ref("secret-key"),
      }),
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      revision: [MINIO_CLIENT_IMAGE, bucket, lifecycle, policy, SETUP_SCRIPT].join("\n"),
      volumes: [{ volume: { name: "config", configMap: { name: config.metadata.name } }, mountPath: "/config", readOnly: true }],
      uses: [server.access],
    }, { parent: this, dependsOn: [server, config] });

    this.connection = {
      endpoint,
      region: "us-east-1",
      bucket: pulumi.output(bucket),
      credentials: {
        accessKeyId: credentials.generated["access-key"],
        secretAccessKey: credentials.generated["secret-key"],
      },
      access: server.access,
      ready: [setup],
    };
    this.registerOutputs({ endpoint, bucket });
  }
}
