/** ScaiDrive's static S3 keys rotate with `secrets.rotation`, like every other generated credential. */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { BucketAccessKey } from "@scai/platform-components";
import { evaluate } from "../harness";

/** Registers a BucketAccessKey under mocks and returns the replacement trigger its AccessKey was registered with. */
async function triggerOf(rotation: string): Promise<unknown> {
  const triggers = new Map<string, unknown>();
  await evaluate("dev", () => {
    // The harness records inputs, not options: read the trigger off the registration request itself.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
      triggers.set(`${req.getType()}::${req.getName()}`, req.getReplacementTrigger?.()?.toJavaScript());
      return register(req, cb);
    };
    new BucketAccessKey("files-key", { userName: "scai-dev-scaidrive-files-s3-user", bucketArn: "arn:aws:s3:::b", rotation });
  });
  assert.ok(triggers.has("aws:iam/accessKey:AccessKey::files-key"), `no AccessKey registered: ${[...triggers.keys()].join(", ")}`);
  return triggers.get("aws:iam/accessKey:AccessKey::files-key");
}

describe("AWS: IAM access keys rotate with secrets.rotation", () => {
  it("the access key is registered with secrets.rotation as its replacement trigger, so a new value replaces the key pair", async () => {
    assert.strictEqual(await triggerOf("2026-12"), "2026-12");
    assert.strictEqual(await triggerOf("2027-01"), "2027-01");
  });
});
