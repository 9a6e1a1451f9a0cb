import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { EgressRule, ServiceAccess, rolePolicySpec } from "./network";
import { DEFAULT_UID, EnvVar, Resources, ScratchDir, hardenedPodSpec } from "./pod-spec";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface OneShotJobArgs {
  namespace: Input<string>;
  /** Labels of the job's pods (from the naming helper). */
  selector: Record<string, string>;
  image: Input<string>;
  command?: Input<string>[];
  args?: Input<string>[];
  env?: Input<EnvVar>[];
  resources: Resources;
  /**
   * What makes a run distinct: e.g. the image and the schema version. A change gives a new Job
   * (its name carries a hash of this), so the work runs exactly once per revision.
   */
  revision: Input<string>;
  /** UID/GID of the process. Default: 10001. */
  uid?: number;
  /** Writable directories. Default: /tmp. */
  scratch?: ScratchDir[];
  /** Extra volumes (e.g. a ConfigMap with a script). Default: none. */
  volumes?: Array<{ volume: k8s.types.input.core.v1.Volume; mountPath: string; readOnly?: boolean }>;
  /** Services the job uses. Default: none. */
  uses?: ServiceAccess[];
  /** Further egress. Default: none. */
  allowEgress?: EgressRule[];
  /** Retries before the Job fails. Default: 3. */
  backoffLimit?: number;
  /** Give up after this long. Default: 1800 s. */
  activeDeadlineSeconds?: number;
  /**
   * Run once per revision and never again for anything else: the Job's resource name carries the
   * revision hash and later changes to its pod template (a new image) leave a Job that already
   * ran alone, where they would otherwise replace it and run it again. The revision must then be
   * a plain string (it names a resource). Default: false (a changed pod template reruns the job).
   */
  oncePerRevision?: boolean;
  /**
   * Make the deployment wait for the Job to succeed (and fail when it fails). false: create it and
   * move on (`pulumi.com/skipAwait`), for work nothing else needs to wait for. Default: true.
   */
  await?: boolean;
}

/** First 10 hex characters of SHA-256: short enough for a name, wide enough not to collide. */
export function revisionHash(revision: string): string {
  return crypto.createHash("sha256").update(revision).digest("hex").slice(0, 10);
}

/**
 * A Job that runs once per revision: database migrations, bucket set-up. Pulumi waits for it to
 * succeed, so anything that `dependsOn` it (the API and workers) starts only after it did.
 * It is not garbage-collected by TTL: a Job that vanished would be recreated on the next update.
 */
export class OneShotJob extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  public readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: OneShotJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:OneShotJob", name, {}, opts);
    const child = childOptions(this, opts);
    const labels = { ...COMMON_LABELS, ...args.selector };
    const podLabels = Object.assign({}, labels, ...(args.uses ?? []).map(u => u.clientLabels));

    const once = args.oncePerRevision === true;
    if (once && typeof args.revision !== "string") throw new Error(`${name}: oncePerRevision needs a plain-string revision`);
    const jobName = pulumi.output(args.revision).apply(r => `${name}-${revisionHash(r)}`);
    this.job = new k8s.batch.v1.Job(once ? `${name}-${revisionHash(args.revision as string)}` : name, {
      metadata: {
        name: jobName,
        namespace: args.namespace,
        labels,
        annotations: args.await === false ? { "pulumi.com/skipAwait": "true" } : undefined,
      },
      spec: {
        backoffLimit: args.backoffLimit ?? 3,
        activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
        template: {
          metadata: { labels: podLabels },
          spec: hardenedPodSpec({
            uid: args.uid ?? DEFAULT_UID,
            scratch: args.scratch,
            volumes: args.volumes,
            restartPolicy: "Never",
            // A job runs to completion; it is not a server, so it has nothing to probe.
            probes: { none: "run-to-completion job" },
            container: {
              name: args.selector["app.kubernetes.io/component"] ?? "job",
              image: args.image,
              command: args.command,
              args: args.args,
              env: args.env,
              resources: args.resources,
            },
          }),
        },
      },
    }, once ? { ...child, ignoreChanges: ["spec"] } : child);
    this.jobName = this.job.metadata.name;

    new k8s.networking.v1.NetworkPolicy(name, {
      metadata: { name, namespace: args.namespace, labels },
      spec: rolePolicySpec(args.selector, args),
    }, child);

    this.registerOutputs({ jobName: this.jobName });
  }
}
