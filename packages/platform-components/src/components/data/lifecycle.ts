/**
 * One lifecycle model for a system's bucket, whichever store holds it: S3
 * (components/aws/object-bucket.ts) and the in-cluster MinIO store
 * (components/data/in-cluster-object-store.ts) both render `bucketLifecycle(...)`, so a setting
 * of the system's `BucketRequest` cannot be honoured by one and silently dropped by the other.
 */
import { BucketRequest, ExpiryRule, assertRetainedNeverExpire } from "./data-plane";

/** What happens to a bucket's objects over time. */
export interface BucketLifecycle {
  /** Prefixes whose current objects are deleted some days after creation. */
  expire: ExpiryRule[];
  /** Multipart uploads still unfinished this many days after they started are aborted and their parts deleted. */
  abortIncompleteUploadsAfterDays: number;
  /** Noncurrent (overwritten or deleted) versions are kept this many days. */
  noncurrentVersionDays: number;
  /**
   * A delete marker with no versions left behind it is removed, or listings slow down under
   * thousands of markers that hide nothing. Always on.
   */
  expiredDeleteMarkers: true;
}

/**
 * The lifecycle of a bucket serving `req`; refuses (throws) a request whose expiring prefixes
 * cover a retained one. `abortIncompleteUploadsAfterDays` defaults to 1.
 */
export function bucketLifecycle(req: BucketRequest, noncurrentVersionDays: number): BucketLifecycle {
  assertRetainedNeverExpire(req);
  const abort = req.abortIncompleteUploadsAfterDays ?? 1;
  for (const [what, days] of [["abortIncompleteUploadsAfterDays", abort], ["noncurrentVersionDays", noncurrentVersionDays]] as const) {
    if (!Number.isInteger(days) || days < 1) throw new Error(`bucket "${req.purpose}": ${what} must be a whole number of days of at least 1, got ${days}`);
  }
  return { expire: [...(req.expire ?? [])], abortIncompleteUploadsAfterDays: abort, noncurrentVersionDays, expiredDeleteMarkers: true };
}

export const ABORT_RULE_ID = "abort-incomplete-multipart-uploads";
export const NONCURRENT_RULE_ID = "expire-noncurrent-versions";

/** The lifecycle as `aws.s3.BucketLifecycleConfiguration` rules. */
export function s3LifecycleRules(l: BucketLifecycle) {
  return [
    ...l.expire.map(r => ({ id: r.id, status: "Enabled", filter: { prefix: r.prefix }, expiration: { days: r.expireAfterDays } })),
    {
      id: ABORT_RULE_ID,
      status: "Enabled",
      filter: { prefix: "" },
      abortIncompleteMultipartUpload: { daysAfterInitiation: l.abortIncompleteUploadsAfterDays },
    },
    {
      id: NONCURRENT_RULE_ID,
      status: "Enabled",
      filter: { prefix: "" },
      noncurrentVersionExpiration: { noncurrentDays: l.noncurrentVersionDays },
      expiration: { expiredObjectDeleteMarker: l.expiredDeleteMarkers },
    },
  ];
}

/**
 * The lifecycle for MinIO. MinIO's lifecycle rules cannot abort multipart uploads (it ignores
 * `AbortIncompleteMultipartUpload`, and refuses a rule holding only that action); the server does
 * it instead, for every bucket, after `MINIO_API_STALE_UPLOADS_EXPIRY`. So the abort rule becomes
 * that server setting, and the rest the JSON `mc ilm import` reads (S3's own form).
 */
export function minioLifecycle(l: BucketLifecycle): { ilm: { Rules: object[] }; serverEnv: Record<string, string> } {
  return {
    ilm: {
      Rules: [
        ...l.expire.map(r => ({ ID: r.id, Status: "Enabled", Filter: { Prefix: r.prefix }, Expiration: { Days: r.expireAfterDays } })),
        {
          ID: NONCURRENT_RULE_ID,
          Status: "Enabled",
          Filter: { Prefix: "" },
          NoncurrentVersionExpiration: { NoncurrentDays: l.noncurrentVersionDays },
          Expiration: { ExpiredObjectDeleteMarker: l.expiredDeleteMarkers },
        },
      ],
    },
    serverEnv: { MINIO_API_STALE_UPLOADS_EXPIRY: `${l.abortIncompleteUploadsAfterDays * 24}h` },
  };
}
