/**
 * Each committed stack deploys the five systems this platform was built for, and the whole
 * program evaluates cleanly on each. (A system added later is held to its own test, on the stacks
 * that list it.)
 */
import * as assert from "assert";
import { evaluateStack, ofKind } from "../harness";

const FIVE = ["scaidrive", "scaisend", "hridaai", "rahcp", "novitai"];

const DEPLOYMENTS = ["scaidrive-api", "scaisend-api", "scaisend-worker", "scaisend-smtp", "hridaai-web", "hridaai-tika", "rahcp-backend", "rahcp-frontend", "novitai-api"];

describe("all five systems on every stack", () => {
  for (const stack of ["local", "dev", "prod"]) {
    // Schema validation of every object is test/stacks/platform.test.ts's, over the same evaluations.
    it(`${stack}: the five systems deploy and each system reports its outputs`, async () => {
      const { env, outputs, resources } = await evaluateStack(stack);
      assert.deepStrictEqual(Object.keys(env.systems).filter(k => FIVE.includes(k)), FIVE);
      const deployments = ofKind(resources, "Deployment").map(d => d.metadata.name);
      for (const d of DEPLOYMENTS) assert.ok(deployments.includes(d), `${stack} lacks Deployment ${d}`);
      const domain = env.domain;
      assert.deepStrictEqual(Object.fromEntries(FIVE.map(k => [k, outputs.systems[k as keyof typeof outputs.systems]?.hostname])), {
        scaidrive: `drive.${domain}`, scaisend: `send.${domain}`, hridaai: `ai.${domain}`, rahcp: `hcp-ui.${domain}`, novitai: undefined,
      });
    });
  }

  it("dev with a hosted zone: one alias record per public hostname, to the ingress load balancer", async () => {
    const { resources } = await evaluateStack("dev", {
      "dns.zoneId": "Z0DEVSCAI000001", "dns.ingressHostname": "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com", "dns.ingressZoneId": "Z32O12XQLNTSW2",
    });
    const records = resources.filter(r => r.type === "aws:route53/record:Record").map(r => `${r.inputs.name} ${r.inputs.type} ${r.inputs.aliases?.[0]?.name}`);
    assert.deepStrictEqual(records.sort(), [
      "ai.dev.scai.example.com A k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
      "drive.dev.scai.example.com A k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
      "hcp-ui.dev.scai.example.com A k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
      "send.dev.scai.example.com A k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
    ]);
  });

  it("prod with a hosted zone but no load-balancer zone: CNAMEs with the configured TTL", async () => {
    const { resources } = await evaluateStack("prod", { "dns.zoneId": "Z0PRODSCAI00001", "dns.ingressHostname": "ingress.scai.example.net", "dns.ttl": "600" });
    const records = resources.filter(r => r.type === "aws:route53/record:Record").map(r => r.inputs);
    assert.strictEqual(records.length, 4);
    for (const r of records) assert.deepStrictEqual([r.type, r.records, r.ttl, r.zoneId], ["CNAME", ["ingress.scai.example.net"], 600, "Z0PRODSCAI00001"]);
  });
});
