/** Route53 components: aliases or CNAMEs to the ingress load balancer, mail records, PTR for Elastic IPs. */
import * as assert from "assert";
import * as crypto from "crypto";
import { MailDomainRecords, PublicHostRecords, ReverseDns } from "@scai/platform-components";
import { Captured, evaluate } from "../harness";

const RECORD = "aws:route53/record:Record";
const records = (r: Captured[]) => r.filter(x => x.type === RECORD).map(x => x.inputs);
const LB = "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com";
const dkimKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } })
  .publicKey.toString("base64");

describe("DNS components", () => {
  it("public hostnames get A and AAAA alias records to the load balancer's canonical zone", async () => {
    const { resources } = await evaluate("dev", () => new PublicHostRecords("hosts", {
      zoneId: "ZDEV", hostnames: ["send.dev.example.com", "ai.dev.example.com", "send.dev.example.com"],
      target: { hostname: LB, zoneId: "Z32O12XQLNTSW2", ipv6: true },
    }));
    const rs = records(resources);
    assert.deepStrictEqual(rs.map(r => `${r.name} ${r.type}`), [
      "send.dev.example.com A", "send.dev.example.com AAAA", "ai.dev.example.com A", "ai.dev.example.com AAAA",
    ]);
    for (const r of rs) {
      assert.strictEqual(r.zoneId, "ZDEV");
      assert.deepStrictEqual(r.aliases, [{ name: LB, zoneId: "Z32O12XQLNTSW2", evaluateTargetHealth: true }]);
      assert.strictEqual(r.records, undefined);
    }
  });

  it("without the load balancer's zone, a CNAME with the configured TTL; refused at a zone apex", async () => {
    const { resources } = await evaluate("dev", () => new PublicHostRecords("hosts", {
      zoneId: "ZDEV", hostnames: ["send.dev.example.com"], target: { hostname: "lb.example.net" }, ttl: 120,
    }));
    assert.deepStrictEqual(records(resources), [{ zoneId: "ZDEV", name: "send.dev.example.com", type: "CNAME", ttl: 120, records: ["lb.example.net"] }]);
    assert.throws(() => new PublicHostRecords("apex", { zoneId: "Z", hostnames: ["example.com"], target: { hostname: "lb.example.net" } }),
      /example.com looks like a zone apex, where a CNAME is not allowed/);
  });

  it("mail records: merged A per host, MX to the inbound host, SPF, split DKIM and DMARC per sender domain", async () => {
    const { resources } = await evaluate("dev", () => new MailDomainRecords("mail", {
      zoneId: "ZDEV",
      hosts: [{ hostname: "mx.example.com", ips: ["198.51.100.7"] }, { hostname: "mx.example.com", ips: ["2001:db8::7"] }, { hostname: "mail.example.com", ips: ["203.0.113.10"] }],
      abuseDomain: "example.com",
      mx: "mx.example.com",
      senderDomains: [{ domain: "news.example.com", outboundIps: ["203.0.113.10"], dkim: { selector: "s1", publicKey: dkimKey }, dmarc: { policy: "reject" } }],
    }));
    const byName = Object.fromEntries(records(resources).map(r => [`${r.name} ${r.type}`, r]));
    assert.deepStrictEqual(Object.keys(byName), [
      "mx.example.com A", "mx.example.com AAAA", "mail.example.com A", "example.com MX",
      "news.example.com TXT", "s1._domainkey.news.example.com TXT", "_dmarc.news.example.com TXT",
    ]);
    assert.deepStrictEqual(byName["example.com MX"].records, ["10 mx.example.com"]);
    assert.deepStrictEqual(byName["news.example.com TXT"].records, ["v=spf1 ip4:203.0.113.10 -all"]);
    const dkim = `v=DKIM1; k=rsa; p=${dkimKey}`;
    assert.deepStrictEqual(byName["s1._domainkey.news.example.com TXT"].records, [`${dkim.slice(0, 255)}""${dkim.slice(255)}`]);
    assert.deepStrictEqual(byName["_dmarc.news.example.com TXT"].records, ["v=DMARC1; p=reject"]);
    for (const r of Object.values(byName)) assert.strictEqual((r as any).ttl, 300);
  });

  it("an MX must name a host with address records here", () => {
    assert.throws(() => new MailDomainRecords("mail", { zoneId: "Z", hosts: [], abuseDomain: "example.com", mx: "mx.example.com", senderDomains: [] }),
      /the MX of example.com must point at a mail host with A\/AAAA records here \(got "mx.example.com"\)/);
  });

  it("reverse DNS sets each Elastic IP's PTR to the HELO host", async () => {
    const { resources } = await evaluate("dev", () => new ReverseDns("ptr", { allocationIds: ["eipalloc-0123456789abcdef0", "eipalloc-0fedcba987654321f"], hostname: "mail.example.com" }));
    const ptrs = resources.filter(r => r.type === "aws:ec2/eipDomainName:EipDomainName").map(r => r.inputs);
    assert.deepStrictEqual(ptrs, [
      { allocationId: "eipalloc-0123456789abcdef0", domainName: "mail.example.com" },
      { allocationId: "eipalloc-0fedcba987654321f", domainName: "mail.example.com" },
    ]);
    assert.throws(() => new ReverseDns("bad", { allocationIds: ["203.0.113.10"], hostname: "mail.example.com" }), /allocation id must look like eipalloc-/);
  });
});
