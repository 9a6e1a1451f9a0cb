/**
 * The policy pack over each committed stack, evaluated offline: the program runs under mocks
 * (test/harness.ts), and every rule judges the captured resources as the analyzer would.
 */
import * as assert from "assert";
import { allRules, evaluateRules, policyContext } from "../../policy/rules/index";
import { evaluateStack } from "../harness";
import { fromCaptured } from "./fixtures";

describe("policy: the pack over each stack (offline)", () => {
  for (const stack of ["local", "dev", "prod"]) {
    it(`${stack}: no mandatory violation; advisory ones are printed`, async () => {
      const { resources } = await evaluateStack(stack);
      const captured = fromCaptured(resources);
      const findings = evaluateRules(allRules, captured, policyContext(stack));
      const mandatory = findings.filter(f => f.level === "mandatory");
      assert.deepStrictEqual(mandatory.map(f => `${f.rule}: ${f.message}`), []);
      const advisory = findings.filter(f => f.level === "advisory");
      console.log(`      ${stack}: ${allRules.length} rules over ${captured.length} resources, ${advisory.length} advisory finding(s)${advisory.map(f => `\n        [${f.rule}] ${f.message}`).join("")}`);
    });
  }

  it("prod would be stopped by a violation: the same resources with a latest image", async () => {
    const { resources } = await evaluateStack("prod");
    const captured = fromCaptured(resources);
    const api = captured.find(r => r.type === "kubernetes:apps/v1:Deployment" && r.props.metadata.name === "scaidrive-api")!;
    api.props = JSON.parse(JSON.stringify(api.props));
    api.props.spec.template.spec.containers[0].image = "scailabs/scaidrive:latest";
    const mandatory = evaluateRules(allRules, captured, policyContext("prod")).filter(f => f.level === "mandatory");
    assert.deepStrictEqual(mandatory.map(f => f.message), ["scaidrive-api: container api image scailabs/scaidrive:latest uses the mutable tag latest"]);
  });
});
