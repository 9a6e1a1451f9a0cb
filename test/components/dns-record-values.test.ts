/** DNS record values: what is refused, with which sentence, and how long TXT values are split. */
import * as assert from "assert";
import * as crypto from "crypto";
import {
  RecordValueError, TXT_STRING_MAX, checkDkimPublicKey, checkDmarc, checkHostname, dkimRecord, dmarcRecord, isRecordName,
  route53Txt, spfRecord, splitTxt,
} from "@scai/platform-components";

const rsaPublicKey = (bits: number) =>
  crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } })
    .publicKey.toString("base64");

describe("DNS record values", () => {
  describe("TXT splitting", () => {
    it("a value of 600 characters becomes strings of 255, 255 and 90 that concatenate back to it", () => {
      const value = "a".repeat(300) + "b".repeat(300);
      const parts = splitTxt(value);
      assert.deepStrictEqual(parts.map(p => p.length), [255, 255, 90]);
      assert.strictEqual(parts.join(""), value);
      assert.strictEqual(TXT_STRING_MAX, 255);
    });

    it("exactly 255 characters stay one string; 256 become two", () => {
      assert.strictEqual(splitTxt("x".repeat(255)).length, 1);
      assert.deepStrictEqual(splitTxt("x".repeat(256)).map(p => p.length), [255, 1]);
    });

    it("Route53 gets one entry with the strings joined by \"\" (the provider adds the outer quotes)", () => {
      assert.strictEqual(route53Txt("x".repeat(256)), `${"x".repeat(255)}""x`);
      assert.strictEqual(route53Txt("v=spf1 -all"), "v=spf1 -all");
    });

    it("refuses empty values, quotes and non-ASCII with a sentence saying so", () => {
      assert.throws(() => splitTxt(""), /a TXT value must not be empty/);
      assert.throws(() => splitTxt('say "hi"'), /must not contain quotes or backslashes \(got "say \\"hi\\""\)/);
      assert.throws(() => splitTxt("café"), (e: Error) => e instanceof RecordValueError && /printable ASCII/.test(e.message));
    });
  });

  describe("hostnames", () => {
    it("accepts lowercase FQDNs and service-label record names; refuses the rest with the value", () => {
      assert.deepStrictEqual(checkHostname("mx host", "mx.dev.scai.example.com"), []);
      assert.ok(isRecordName("scaisend._domainkey.dev.scai.example.com"));
      assert.ok(isRecordName("_dmarc.dev.scai.example.com"));
      assert.ok(!isRecordName("_dmarc"));
      assert.deepStrictEqual(checkHostname("mx host", "MX.Example.com"), ['mx host must be a fully qualified lowercase hostname such as mail.example.com (got "MX.Example.com")']);
      assert.strictEqual(checkHostname("mx host", "localhost").length, 1);
      assert.strictEqual(checkHostname("mx host", "-bad.example.com").length, 1);
      assert.strictEqual(checkHostname("mx host", `${"a".repeat(64)}.example.com`).length, 1);
    });
  });

  describe("SPF", () => {
    it("lists every outbound address with its family, then -all", () => {
      assert.strictEqual(spfRecord(["203.0.113.10", "2001:db8::25"]), "v=spf1 ip4:203.0.113.10 ip6:2001:db8::25 -all");
      assert.strictEqual(spfRecord(["203.0.113.10"], "~all"), "v=spf1 ip4:203.0.113.10 ~all");
    });

    it("refuses no addresses and things that are not addresses", () => {
      assert.throws(() => spfRecord([]), /at least one outbound IP address \(got none\)/);
      assert.throws(() => spfRecord(["203.0.113.300"]), /IPv4 or IPv6 addresses \(got "203.0.113.300"\)/);
    });
  });

  describe("DKIM", () => {
    it("a 2048-bit key gives v=DKIM1; k=rsa; p=<key>, longer than 255 and split in two strings", () => {
      const key = rsaPublicKey(2048);
      const record = dkimRecord(key);
      assert.strictEqual(record, `v=DKIM1; k=rsa; p=${key}`);
      assert.ok(record.length > 255);
      assert.deepStrictEqual(splitTxt(record).map(p => p.length), [255, record.length - 255]);
    });

    it("PEM armour and line breaks are stripped to the bare key", () => {
      const key = rsaPublicKey(1024);
      const pem = `-----BEGIN PUBLIC KEY-----\n${key.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
      assert.strictEqual(dkimRecord(pem), `v=DKIM1; k=rsa; p=${key}`);
    });

    it("refuses a key that is not base64, and a key too short to be RSA-1024", () => {
      assert.deepStrictEqual(checkDkimPublicKey("k", "not base64!"), ['k must be a base64 RSA public key (the p= value of the DKIM record, PEM armour allowed) (got "not base64!")']);
      assert.deepStrictEqual(checkDkimPublicKey("k", "QUJDRA=="), ["k must be an RSA key of at least 1024 bits (got 4 bytes of key)"]);
      assert.throws(() => dkimRecord("abc$"), RecordValueError);
    });
  });

  describe("DMARC", () => {
    it("builds v=DMARC1; p=<policy> with an aggregate-report address", () => {
      assert.strictEqual(dmarcRecord({ policy: "quarantine", reportAddress: "dmarc@scai.example.com" }), "v=DMARC1; p=quarantine; rua=mailto:dmarc@scai.example.com");
      assert.strictEqual(dmarcRecord({ policy: "reject", percent: 50 }), "v=DMARC1; p=reject; pct=50");
    });

    it("accepts a well-formed record and names each defect of malformed ones", () => {
      assert.deepStrictEqual(checkDmarc("d", "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; rua=mailto:a@example.com,mailto:b@example.com!10m"), []);
      assert.deepStrictEqual(checkDmarc("d", "p=reject; v=DMARC1"), [
        'd must start with v=DMARC1 (got "p=reject; v=DMARC1")',
        'd must have p= as its second tag (got "p=reject; v=DMARC1")',
      ]);
      assert.deepStrictEqual(checkDmarc("d", "v=DMARC1; p=block"), ['d has an invalid p=block (got "v=DMARC1; p=block")']);
      assert.deepStrictEqual(checkDmarc("d", "v=DMARC1; p=none; rua=dmarc@example.com"), ['d has an invalid rua=dmarc@example.com (got "v=DMARC1; p=none; rua=dmarc@example.com")']);
      assert.deepStrictEqual(checkDmarc("d", "v=DMARC1; p=none; pct=150"), ['d has an invalid pct=150 (got "v=DMARC1; p=none; pct=150")']);
      assert.match(checkDmarc("d", "v=DMARC1; p=none; foo=bar")[0], /must use only DMARC tags .*; foo is not one/);
      assert.match(checkDmarc("d", "v=DMARC1; p")[0], /must be tag=value pairs separated by ";"/);
    });

    it("dmarcRecord refuses a report address that is not a mailbox", () => {
      assert.throws(() => dmarcRecord({ policy: "none", reportAddress: "not-an-address" }), /invalid rua=mailto:not-an-address/);
    });
  });
});
