/**
 * Route53 holds one TXT record set per name: at a sender domain that is the zone apex (or a
 * `_dmarc` that already has values) this stack owns the whole set, so the operator declares the
 * other values and they are published with ours.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { MailDomainRecords, MailDomainRecordsArgs } from "@scai/platform-components";
import { evaluate, evaluateStack } from "../harness";

const dkimKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } })
  .publicKey.toString("base64");

const args: MailDomainRecordsArgs = {
  zoneId: "ZAPEX",
  hosts: [],
  senderDomains: [{ domain: "example.com", outboundIps: ["203.0.113.10"], dkim: { selector: "s1", publicKey: dkimKey }, dmarc: { policy: "reject" } }],
};

const txtAt = (resources: { type: string; inputs: any }[], name: string) =>
  resources.filter(r => r.type === "aws:route53/record:Record" && r.inputs.type === "TXT" && r.inputs.name === name).map(r => r.inputs.records);

describe("AWS: complete TXT record sets", () => {
  it("the apex's SPF set also carries the declared verification values, and _dmarc its declared others: one set per name", async () => {
    const { resources } = await evaluate("dev", () => new MailDomainRecords("mail", {
      ...args,
      otherTxt: { "example.com": ["google-site-verification=abc123", "MS=ms12345"], "_dmarc.example.com": ["reporting=ok"] },
    }));
    assert.deepStrictEqual(txtAt(resources, "example.com"), [["v=spf1 ip4:203.0.113.10 -all", "google-site-verification=abc123", "MS=ms12345"]]);
    assert.deepStrictEqual(txtAt(resources, "_dmarc.example.com"), [["v=DMARC1; p=reject", "reporting=ok"]]);
  });

  it("refuses other values for a name this stack writes no TXT at, and a second SPF or DMARC record", () => {
    assert.throws(() => new MailDomainRecords("mail", { ...args, otherTxt: { "www.example.com": ["x=1"] } }),
      /other TXT values are declared for www\.example\.com, where this stack publishes no TXT record \(it owns example\.com, _dmarc\.example\.com\)/);
    assert.throws(() => new MailDomainRecords("mail", { ...args, otherTxt: { "example.com": ["v=spf1 include:_spf.google.com ~all"] } }),
      /must not hold a second SPF or DMARC record/);
    assert.throws(() => new MailDomainRecords("mail", { ...args, otherTxt: { "_dmarc.example.com": ["v=DMARC1; p=none"] } }),
      /must not hold a second SPF or DMARC record/);
  });

  it("dns.otherTxt in the stack config reaches ScaiSend's records ('<name> <value>' per item)", async () => {
    const { resources } = await evaluateStack("dev", {
      "dns.zoneId": "Z0SCAI000000001",
      "dns.ingressHostname": "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
      "dns.otherTxt": JSON.stringify(["dev.scai.example.com google-site-verification=abc123"]),
      "scaisend.smtp.outboundIps": '["203.0.113.10"]',
      "scaisend.senderDomains": '["dev.scai.example.com"]',
      "scaisend.dkim.publicKeys": JSON.stringify([`dev.scai.example.com:${dkimKey}`]),
    });
    assert.deepStrictEqual(txtAt(resources, "dev.scai.example.com"), [["v=spf1 ip4:203.0.113.10 -all", "google-site-verification=abc123"]]);
  });
});
