/**
 * Every AWS resource goes through an explicit provider of the stack: none through Pulumi's default
 * provider, which nothing configures (its region would be whatever the shell that runs `up` says).
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { Captured, evaluateStack, stackConfig } from "../harness";

const dkimKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } })
  .publicKey.toString("base64");

/** A hosted zone, mail DNS for ScaiSend and Elastic IPs (PTR records): every kind of AWS resource the program makes. */
function withDns(domain: string): Record<string, string> {
  return {
    "dns.zoneId": "Z0SCAI000000001",
    "dns.ingressHostname": "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
    "dns.ingressZoneId": "Z32O12XQLNTSW2",
    "scaisend.smtp.inboundIps": '["198.51.100.25"]',
    // The Elastic IP the SMTP NLB is bound to (the address above) and its subnet: an A record names only a bound address.
    "scaisend.smtp.inboundEipAllocationIds": '["eipalloc-0aaaaaaaaaaaaaaa1"]',
    "scaisend.smtp.inboundSubnets": '["subnet-0bbbbbbbbbbbbbbb1"]',
    "scaisend.smtp.outboundIps": '["203.0.113.10"]',
    "scaisend.smtp.eipAllocationIds": '["eipalloc-0123456789abcdef0"]',
    "scaisend.abuseDomain": domain,
    "scaisend.senderDomains": JSON.stringify([domain]),
    "scaisend.dkim.publicKeys": JSON.stringify([`${domain}:${dkimKey}`]),
    "scaisend.dmarc.reportAddress": `dmarc@${domain}`,
  };
}

/** `urn:pulumi:<stack>::<project>::pulumi:providers:aws::<name>::<id>` -> name. */
function providerName(ref: string | undefined): string | undefined {
  const m = ref === undefined ? null : /::pulumi:providers:aws::([^:]+)::/.exec(ref);
  return m?.[1];
}

describe("AWS: one explicit provider for every resource", () => {
  for (const [stack, domain] of [["dev", "dev.scai.example.com"], ["prod", "scai.example.com"]] as const) {
    describe(stack, () => {
      let resources: Captured[];
      before(async () => {
        resources = (await evaluateStack(stack, withDns(domain))).resources;
      });

      it("every aws:* resource names an explicit AWS provider of the stack", () => {
        const awsResources = resources.filter(r => r.type.startsWith("aws:"));
        assert.ok(awsResources.length > 30, `expected the data plane and DNS, got ${awsResources.length} AWS resources`);
        const kinds = new Set(awsResources.map(r => r.type));
        for (const t of ["aws:route53/record:Record", "aws:ec2/eipDomainName:EipDomainName", "aws:rds/instance:Instance", "aws:s3/bucket:Bucket"]) {
          assert.ok(kinds.has(t), `${stack} registers no ${t}: the check would not cover it`);
        }
        const defaulted = awsResources.filter(r => providerName(r.provider) === undefined || providerName(r.provider)!.startsWith("default"));
        assert.deepStrictEqual(defaulted.map(r => `${r.type} ${r.name} (${r.provider ?? "no provider"})`), []);
      });

      it("the provider is configured with the stack's region; replicas go through the replica region's provider", () => {
        const providers = resources.filter(r => r.type === "pulumi:providers:aws");
        const regions = Object.fromEntries(providers.map(p => [p.name, p.inputs.region]));
        assert.strictEqual(regions.aws, stackConfig(stack)["aws.region"]);
        const replicas = resources.filter(r => r.type === "aws:s3/bucket:Bucket" && r.name.endsWith("-replica"));
        if (stack === "prod") {
          assert.strictEqual(regions["aws-replica"], "eu-central-1");
          assert.ok(replicas.length > 0);
          for (const r of replicas) assert.strictEqual(providerName(r.provider), "aws-replica", r.name);
        }
        const primaries = resources.filter(r => r.type.startsWith("aws:") && providerName(r.provider) === "aws");
        for (const t of ["aws:route53/record:Record", "aws:ec2/eipDomainName:EipDomainName", "aws:rds/instance:Instance"]) {
          assert.ok(primaries.some(r => r.type === t), `${t} is not in the primary region's provider`);
        }
      });
    });
  }

  it("each stack file on AWS names its region", () => {
    for (const stack of ["dev", "prod"]) {
      assert.match(stackConfig(stack)["aws.region"] ?? "", /^[a-z]{2}-[a-z]+-\d$/, `Pulumi.${stack}.yaml must set scai-platform:aws.region`);
    }
  });
});
