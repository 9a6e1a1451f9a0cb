/** No RDS reader that no pod is told about: ScaiDrive documents no reader URL, so the option is gone. */
import * as assert from "assert";
import { loadEnvironment } from "../../platform/environment";
import { evaluateStack, stackSource } from "../harness";

describe("AWS: no read replica nobody reads", () => {
  it("scaidrive.database.readReplica is refused as an unknown key, and prod registers no RDS reader", async () => {
    const { resources } = await evaluateStack("prod");
    assert.ok(!resources.some(r => r.type === "aws:rds/instance:Instance" && r.inputs.replicateSourceDb), "an RDS reader is registered");
    assert.throws(() => loadEnvironment(stackSource("prod", { "scaidrive.database.readReplica": "true" })), /scaidrive\.database\.readReplica/);
  });
});
