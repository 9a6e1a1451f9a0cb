/** AppSecret: a reference to a key it does not hold fails with a readable message. */
import * as assert from "assert";
import { AppSecret } from "@scai/platform-components";
import { evaluate } from "../harness";

describe("AppSecret", () => {
  it("ref() to a missing key names the Secret and the keys it holds (not an Output's toString warning)", async () => {
    let message = "";
    await evaluate("local", () => {
      const s = new AppSecret<"SECRET_KEY", "DATABASE_URL" | "API_KEY">("demo-env", {
        namespace: "ns", labels: {}, rotation: "1",
        generated: { SECRET_KEY: { length: 16 } },
        values: { DATABASE_URL: "mysql://db", API_KEY: undefined },
      });
      assert.deepStrictEqual([s.has("SECRET_KEY"), s.has("DATABASE_URL"), s.has("API_KEY")], [true, true, false]);
      assert.deepStrictEqual(s.ref("DATABASE_URL").key, "DATABASE_URL");
      try {
        s.ref("API_KEY");
      } catch (e) {
        message = (e as Error).message;
      }
    });
    assert.strictEqual(message, "Secret demo-env has no key API_KEY; it holds DATABASE_URL, SECRET_KEY");
  });
});
