import * as assert from "assert";
import { OneShotJob, OneShotJobArgs, revisionHash } from "@scai/platform-components";
import { evaluate, ofKind } from "../harness";

const args: OneShotJobArgs = {
  namespace: "ns",
  selector: { "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": "migrate" },
  image: "example/demo:1.0.0",
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
  revision: "example/demo:1.0.0\nschema 1",
};

describe("OneShotJob component", () => {
  it("names the Job after a hash of its revision", async () => {
    const { resources } = await evaluate("dev", () => new OneShotJob("demo-migrate", args));
    const [job] = ofKind(resources, "Job");
    assert.strictEqual(job.metadata.name, `demo-migrate-${revisionHash(args.revision as string)}`);
    assert.match(job.metadata.name, /^demo-migrate-[0-9a-f]{10}$/);
  });

  it("runs to completion once: no restarts in the pod, bounded retries and deadline, no TTL", async () => {
    const { resources } = await evaluate("dev", () => new OneShotJob("demo-migrate", args));
    const [job] = ofKind(resources, "Job");
    assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
    assert.strictEqual(job.spec.backoffLimit, 3);
    assert.strictEqual(job.spec.activeDeadlineSeconds, 1800);
    assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined);
  });

  it("different revisions hash differently; equal ones equally", () => {
    assert.strictEqual(revisionHash("a"), revisionHash("a"));
    assert.notStrictEqual(revisionHash("image:1\nschema 1"), revisionHash("image:1\nschema 2"));
  });
});
