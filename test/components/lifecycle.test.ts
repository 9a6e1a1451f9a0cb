/**
 * One lifecycle model for S3 and the in-cluster MinIO store (packages/platform-components/src/components/data/lifecycle.ts): what a
 * system's BucketRequest asks for reaches both, the multipart-upload abort included.
 */
import * as assert from "assert";
import {
  bucketLifecycle, BucketRequest, InClusterObjectStore, minioLifecycle, ObjectBucket,
  s3LifecycleRules,
} from "@scai/platform-components";
import { envOf, evaluate, named } from "../harness";

const request: BucketRequest = {
  purpose: "files",
  expire: [{ id: "expire-uploads", prefix: "uploads/", expireAfterDays: 2 }],
  retain: ["chunks/"],
  abortIncompleteUploadsAfterDays: 3,
  serviceAccounts: ["demo-api"],
};

async function minio(req: BucketRequest) {
  const { resources } = await evaluate("local", () => new InClusterObjectStore("demo-minio", {
    namespace: "ns", selector: { "app.kubernetes.io/name": "demo" }, bucketName: "scai-local-demo-files", request: req,
    noncurrentVersionDays: 14, rotation: "1",
  }));
  return {
    env: envOf(named(resources, "StatefulSet", "demo-minio").spec.template.spec.containers[0]),
    ilm: JSON.parse(named(resources, "ConfigMap", "demo-minio-setup").data["lifecycle.json"]),
  };
}

describe("bucket lifecycle: one model for S3 and MinIO", () => {
  it("MinIO aborts unfinished multipart uploads after the requested days (server-side: its rules cannot)", async () => {
    assert.strictEqual((await minio(request)).env.MINIO_API_STALE_UPLOADS_EXPIRY, "72h");
    // Unset in the request: the model's default of 1 day, as on S3.
    assert.strictEqual((await minio({ ...request, abortIncompleteUploadsAfterDays: undefined })).env.MINIO_API_STALE_UPLOADS_EXPIRY, "24h");
  });

  it("MinIO's rules: the declared expiry, noncurrent versions, and lone delete markers removed as on S3", async () => {
    assert.deepStrictEqual((await minio(request)).ilm.Rules, [
      { ID: "expire-uploads", Status: "Enabled", Filter: { Prefix: "uploads/" }, Expiration: { Days: 2 } },
      {
        ID: "expire-noncurrent-versions", Status: "Enabled", Filter: { Prefix: "" },
        NoncurrentVersionExpiration: { NoncurrentDays: 14 }, Expiration: { ExpiredObjectDeleteMarker: true },
      },
    ]);
  });

  it("S3 renders the same model: the same expiry, abort after the same days, the same noncurrent retention", async () => {
    const { resources } = await evaluate("dev", () => new ObjectBucket("files", { bucketName: "scai-dev-demo-files", request, noncurrentVersionDays: 14 }));
    const rules = resources.find(r => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!.inputs.rules;
    assert.deepStrictEqual(rules, s3LifecycleRules(bucketLifecycle(request, 14)));
    assert.deepStrictEqual(rules.map((r: any) => [r.id, r.filter.prefix, r.expiration?.days ?? r.abortIncompleteMultipartUpload?.daysAfterInitiation ?? r.noncurrentVersionExpiration?.noncurrentDays]), [
      ["expire-uploads", "uploads/", 2], ["abort-incomplete-multipart-uploads", "", 3], ["expire-noncurrent-versions", "", 14],
    ]);
    const m = minioLifecycle(bucketLifecycle(request, 14));
    assert.deepStrictEqual(m.ilm.Rules.map((r: any) => r.ID), ["expire-uploads", "expire-noncurrent-versions"]);
  });

  it("refuses, before any resource, an expiry over a retained prefix and a non-positive number of days", () => {
    assert.throws(() => bucketLifecycle({ ...request, expire: [{ id: "all", prefix: "", expireAfterDays: 1 }] }, 14), /would expire retained prefix chunks\//);
    assert.throws(() => bucketLifecycle({ ...request, abortIncompleteUploadsAfterDays: 0 }, 14), /abortIncompleteUploadsAfterDays must be a whole number of days of at least 1, got 0/);
    assert.throws(() => bucketLifecycle(request, 0.5), /noncurrentVersionDays must be a whole number of days of at least 1, got 0.5/);
  });
});
