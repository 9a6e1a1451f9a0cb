/**
 * Resource identity guard (test/urns.ts): the URNs each stack registers are those in
 * test/urns/<case>.txt, unless a resource that left carries an `aliases` entry to its new URN.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Captured, evaluate } from "./harness";
import { URN_CASES, caseResources, describeDiff, diffUrns, readSnapshot, snapshotFile } from "./urns";

describe("resource URN snapshots (test/urns/*.txt)", () => {
  for (const [name, c] of Object.entries(URN_CASES)) {
    it(`${name}: every URN the program registers is in the snapshot, and every snapshot URN is still registered or aliased`, async () => {
      const snapshot = readSnapshot(name);
      assert.ok(snapshot, `no snapshot ${snapshotFile(name)}: run \`npm run urns:update\``);
      const resources = await caseResources(c);
      const message = describeDiff(name, diffUrns(snapshot, resources));
      if (message !== undefined) assert.fail(message);
      // The engine refuses two resources with one URN; mocks do not, so check here.
      const seen = new Set<string>();
      const duplicates = resources.map(r => r.urn).filter(u => (seen.has(u) ? true : (seen.add(u), false)));
      assert.deepStrictEqual(duplicates, [], "URNs registered twice");
    });
  }
});

describe("URN snapshot comparison", () => {
  const P = "urn:pulumi:dev::scai-platform::";
  const res = (urn: string, aliases: string[] = []): Captured =>
    ({ type: "", name: "", inputs: {}, rawInputs: {}, state: {}, urn, dependencies: [], protect: false, aliases }) as Captured;

  it("a removed URN fails with its name and the two ways out; an added one asks for a reviewed update", () => {
    const diff = diffUrns([`${P}a:b:C::db`, `${P}a:b:C::keep`], [res(`${P}a:b:C::keep`), res(`${P}a:b:C::new`)]);
    assert.deepStrictEqual(diff, { removed: [`${P}a:b:C::db`], added: [`${P}a:b:C::new`], renamed: [] });
    const message = describeDiff("dev", diff)!;
    assert.match(message, /removed \(1\).*DELETED/);
    assert.match(message, /- urn:pulumi:dev::scai-platform::a:b:C::db/);
    assert.match(message, /add `aliases`.*run `npm run urns:update` after review/);
    assert.match(message, /\+ urn:pulumi:dev::scai-platform::a:b:C::new/);
  });

  it("a resource that aliases a removed URN is a rename: neither removed nor added", () => {
    const diff = diffUrns([`${P}x:y:Old$a:b:C::db`], [res(`${P}x:y:New$a:b:C::db`, [`${P}x:y:Old$a:b:C::db`])]);
    assert.deepStrictEqual(diff, { removed: [], added: [], renamed: [[`${P}x:y:Old$a:b:C::db`, `${P}x:y:New$a:b:C::db`]] });
    assert.strictEqual(describeDiff("dev", diff), undefined);
  });

  it("under mocks, a URN carries the parent's whole type chain, and aliases resolve as the engine resolves them", async () => {
    class Outer extends pulumi.ComponentResource {
      constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:x:Outer", name, {}, opts);
        new Inner(`${name}-inner`, { parent: this });
      }
    }
    class Inner extends pulumi.ComponentResource {
      constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:x:Inner", name, {}, opts);
        new random.RandomPassword(`${name}-pw`, { length: 8 }, { parent: this, aliases: [{ name: "legacy-pw", parent: pulumi.rootStackResource }] });
      }
    }
    // Renamed from "old" and moved from type test:x:Before: its children follow both.
    const { resources } = await evaluate("dev", () => new Outer("new", { aliases: [{ name: "old", type: "test:x:Before" }] }));
    const pw = resources.find(r => r.type === "random:index/randomPassword:RandomPassword")!;
    assert.strictEqual(pw.urn, `${P}test:x:Outer$test:x:Inner$random:index/randomPassword:RandomPassword::new-inner-pw`);
    assert.ok(pw.aliases.includes(`${P}random:index/randomPassword:RandomPassword::legacy-pw`), pw.aliases.join("\n"));
    assert.ok(pw.aliases.includes(`${P}test:x:Before$test:x:Inner$random:index/randomPassword:RandomPassword::old-inner-pw`), pw.aliases.join("\n"));
    const inner = resources.find(r => r.type === "test:x:Inner")!;
    assert.deepStrictEqual(inner.aliases, [`${P}test:x:Before$test:x:Inner::old-inner`]);
  });
});
