import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import {
  DmarcOptions, RecordValueError, SpfAll, assertHostname, checkDkimSelector, dkimRecord, dmarcRecord, ipFamily, route53Txt, spfRecord, splitTxt,
} from "./record-values";

/** A mail host's forward records. */
export interface MailHost {
  hostname: string;
  /** Its public addresses: A for IPv4, AAAA for IPv6. */
  ips: string[];
}

/** What one domain that mail is sent from publishes. */
export interface SenderDomain {
  domain: string;
  /** Addresses mail for this domain leaves from (the SPF record). */
  outboundIps: string[];
  /** How receivers treat other senders. Default: "-all" (fail). */
  spfAll?: SpfAll;
  /** DKIM selector and public key: `<selector>._domainkey.<domain>`. */
  dkim: { selector: string; publicKey: string };
  dmarc: DmarcOptions;
}

export interface MailDomainRecordsArgs {
  zoneId: pulumi.Input<string>;
  /** Mail hosts' A/AAAA records (the SMTP inbound host, the HELO host). Same name twice: one record set. */
  hosts: MailHost[];
  /** A domain whose mail (abuse@, FBL reports) is delivered to `mx`. Default: none. */
  abuseDomain?: string;
  /** Host the abuse domain's MX points at; must be one of `hosts` (an MX never names a CNAME). */
  mx?: string;
  senderDomains: SenderDomain[];
  /**
   * The other TXT values of names this component publishes TXT at (a sender domain, often the zone
   * apex with its site verifications; `_dmarc.<domain>`), by name. Route53 holds one TXT record set
   * per name: this stack owns the whole set, so every value that must stay there is declared here
   * (an existing set is adopted with `pulumi import`, docs/aws.md). Values are verbatim, unquoted. Default: none.
   */
  otherTxt?: Record<string, string[]>;
  /** TTL of every record. Default: 300. */
  ttl?: number;
}

/**
 * The operator's other TXT values by name, checked: only names this component writes TXT at (a
 * sender domain or its `_dmarc`), never a second SPF or DMARC record (receivers treat two as an error).
 */
export function otherTxtByName(otherTxt: Record<string, string[]>, senderDomains: string[]): Map<string, string[]> {
  const owned = new Set(senderDomains.flatMap(d => [d, `_dmarc.${d}`]));
  const out = new Map<string, string[]>();
  for (const [recordName, values] of Object.entries(otherTxt)) {
    if (!owned.has(recordName)) {
      throw new RecordValueError(`other TXT values are declared for ${recordName}, where this stack publishes no TXT record (it owns ${[...owned].join(", ")})`);
    }
    for (const v of values) {
      if (/^v=spf1(\s|$)/i.test(v) || /^v=DMARC1(;|\s|$)/i.test(v)) {
        throw new RecordValueError(`the other TXT values of ${recordName} must not hold a second SPF or DMARC record (got ${JSON.stringify(v)}): this stack publishes that one`);
      }
      splitTxt(v);
    }
    out.set(recordName, [...new Set(values)]);
  }
  return out;
}

/**
 * The DNS a mail sender publishes: A/AAAA for its SMTP hosts, MX for the domain that receives
 * abuse reports and DSNs, and per sender domain SPF, DKIM and DMARC TXT records. Every value is
 * validated first and TXT values longer than 255 characters are split into several strings.
 */
export class MailDomainRecords extends pulumi.ComponentResource {
  /** Every record as "<name> <type>", for outputs and reviews. */
  public readonly records: string[] = [];
  /** Forward records, for what must wait until they exist (reverse DNS). */
  public readonly forwardRecords: aws.route53.Record[] = [];

  constructor(name: string, args: MailDomainRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:dns:MailDomainRecords", name, {}, opts);
    const ttl = args.ttl ?? 300;
    const child = childOptions(this, opts);
    const record = (id: string, recordName: string, type: string, records: string[]) => {
      this.records.push(`${recordName} ${type}`);
      return new aws.route53.Record(`${name}-${id}`, { zoneId: args.zoneId, name: recordName, type, ttl, records }, child);
    };

    // Merge hosts of the same name: Route53 holds one record set per name and type.
    const hosts = new Map<string, string[]>();
    for (const h of args.hosts) {
      assertHostname("a mail hostname", h.hostname);
      hosts.set(h.hostname, [...new Set([...(hosts.get(h.hostname) ?? []), ...h.ips])]);
    }
    for (const [host, ips] of hosts) {
      for (const family of [4, 6] as const) {
        const of = ips.filter(ip => ipFamily(ip) === family);
        if (ips.some(ip => ipFamily(ip) === undefined)) throw new RecordValueError(`${host} must resolve to IP addresses (got ${JSON.stringify(ips)})`);
        if (of.length) this.forwardRecords.push(record(`${host}-${family === 4 ? "a" : "aaaa"}`, host, family === 4 ? "A" : "AAAA", of));
      }
    }

    if (args.abuseDomain !== undefined) {
      assertHostname("the abuse domain", args.abuseDomain);
      if (args.mx === undefined || !hosts.has(args.mx)) {
        throw new RecordValueError(`the MX of ${args.abuseDomain} must point at a mail host with A/AAAA records here (got ${JSON.stringify(args.mx ?? null)})`);
      }
      record(`${args.abuseDomain}-mx`, args.abuseDomain, "MX", [`10 ${args.mx}`]);
    }

    const other = otherTxtByName(args.otherTxt ?? {}, args.senderDomains.map(d => d.domain));
    // The one record set of a name: this component's value and the operator's others for that name.
    const txt = (id: string, recordName: string, value: string) =>
      record(id, recordName, "TXT", [route53Txt(value), ...(other.get(recordName) ?? []).map(route53Txt)]);
    for (const d of args.senderDomains) {
      assertHostname("a sender domain", d.domain);
      const selector = checkDkimSelector("a DKIM selector", d.dkim.selector);
      if (selector.length) throw new RecordValueError(selector[0]);
      txt(`${d.domain}-spf`, d.domain, spfRecord(d.outboundIps, d.spfAll));
      record(`${d.domain}-dkim`, `${d.dkim.selector}._domainkey.${d.domain}`, "TXT", [route53Txt(dkimRecord(d.dkim.publicKey))]);
      txt(`${d.domain}-dmarc`, `_dmarc.${d.domain}`, dmarcRecord(d.dmarc));
    }

    this.registerOutputs({ records: this.records });
  }
}
