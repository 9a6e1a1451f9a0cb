/**
 * Pure validators and formatters for DNS record values: hostnames, IP addresses, TXT strings
 * (split at DNS's 255-character string limit), SPF, DKIM and DMARC. Each `check*` returns the
 * problems it found as sentences ("... must be ... (got ...)"), so config checks can collect
 * them; each formatter throws a `RecordValueError` with the same sentence when given bad input.
 */
import * as net from "net";

export class RecordValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordValueError";
  }
}

/** The longest character-string a TXT record can hold (RFC 1035 3.3: one length octet). */
export const TXT_STRING_MAX = 255;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Service labels such as `_dmarc` and `_domainkey` start with an underscore. */
const SERVICE_LABEL = /^_[a-z0-9-]{1,62}$/;

/** A fully qualified hostname: lowercase labels, at least two, 253 characters at most. */
export function isFqdn(name: string): boolean {
  const labels = name.split(".");
  return name.length <= 253 && labels.length >= 2 && labels.every(l => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** A record name: a hostname under service labels (`_dmarc.example.com`, `s1._domainkey.example.com`). */
export function isRecordName(name: string): boolean {
  const labels = name.split(".");
  const lastService = labels.map(l => SERVICE_LABEL.test(l)).lastIndexOf(true);
  return name.length <= 253 && labels.slice(0, lastService + 1).every(l => LABEL.test(l) || SERVICE_LABEL.test(l))
    && isFqdn(labels.slice(lastService + 1).join("."));
}

/** Whether `name` is `zone` itself or a name under it. */
export function isWithin(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

export function checkHostname(what: string, name: string): string[] {
  return isFqdn(name) ? [] : [`${what} must be a fully qualified lowercase hostname such as mail.example.com (got ${JSON.stringify(name)})`];
}

export function assertHostname(what: string, name: string): string {
  const problems = checkHostname(what, name);
  if (problems.length) throw new RecordValueError(problems[0]);
  return name;
}

export type IpFamily = 4 | 6;

/** 4 or 6 for an IP address, undefined for anything else. */
export function ipFamily(ip: string): IpFamily | undefined {
  const v = net.isIP(ip);
  return v === 4 || v === 6 ? v : undefined;
}

export function checkIps(what: string, ips: string[]): string[] {
  return ips.filter(ip => ipFamily(ip) === undefined).map(ip => `${what} must hold IPv4 or IPv6 addresses (got ${JSON.stringify(ip)})`);
}

/**
 * One logical TXT value as the character-strings DNS stores: chunks of at most 255 characters.
 * Receivers concatenate them again without separators (RFC 7208 3.3, RFC 6376 3.6.2.2).
 */
export function splitTxt(value: string): string[] {
  if (value.length === 0) throw new RecordValueError("a TXT value must not be empty");
  if (/[^\x20-\x7e]/.test(value)) throw new RecordValueError(`a TXT value must be printable ASCII (got ${JSON.stringify(value)})`);
  if (value.includes('"') || value.includes("\\")) {
    throw new RecordValueError(`a TXT value must not contain quotes or backslashes (got ${JSON.stringify(value)})`);
  }
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += TXT_STRING_MAX) chunks.push(value.slice(i, i + TXT_STRING_MAX));
  return chunks;
}

/**
 * A TXT value as one entry of `aws.route53.Record.records`: the provider quotes the entry itself,
 * so character-strings are joined with `""` and become `"part1" "part2"` on the wire.
 */
export function route53Txt(value: string): string {
  return splitTxt(value).join('""');
}

// ---- SPF ---------------------------------------------------------------------------------

export type SpfAll = "-all" | "~all";

/** `v=spf1 ip4:… ip6:… -all`: the addresses that may send for a domain, nothing else. */
export function spfRecord(ips: string[], all: SpfAll = "-all"): string {
  if (ips.length === 0) throw new RecordValueError("an SPF record must list at least one outbound IP address (got none)");
  const bad = checkIps("an SPF record", ips);
  if (bad.length) throw new RecordValueError(bad[0]);
  return ["v=spf1", ...ips.map(ip => `ip${ipFamily(ip)}:${ip}`), all].join(" ");
}

// ---- DKIM --------------------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A DKIM public key as config may hold it: bare base64, or PEM with its armour and line breaks. */
export function dkimKeyMaterial(key: string): string {
  return key.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
}

export function checkDkimSelector(what: string, selector: string): string[] {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(selector) ? [] : [`${what} must be a DNS label such as scaisend or s2025 (got ${JSON.stringify(selector)})`];
}

export function checkDkimPublicKey(what: string, key: string): string[] {
  const material = dkimKeyMaterial(key);
  if (!BASE64.test(material) || material.length % 4 !== 0) {
    return [`${what} must be a base64 RSA public key (the p= value of the DKIM record, PEM armour allowed) (got ${JSON.stringify(abbreviate(key))})`];
  }
  // 1024-bit RSA SubjectPublicKeyInfo is 162 bytes (216 base64 characters); shorter keys are refused by receivers.
  if (material.length < 216) return [`${what} must be an RSA key of at least 1024 bits (got ${Buffer.from(material, "base64").length} bytes of key)`];
  return [];
}

/** `v=DKIM1; k=rsa; p=<key>`, published at `<selector>._domainkey.<domain>`. */
export function dkimRecord(publicKey: string): string {
  const problems = checkDkimPublicKey("a DKIM public key", publicKey);
  if (problems.length) throw new RecordValueError(problems[0]);
  return `v=DKIM1; k=rsa; p=${dkimKeyMaterial(publicKey)}`;
}

// ---- DMARC -------------------------------------------------------------------------------

export const DMARC_POLICIES = ["none", "quarantine", "reject"] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

export interface DmarcOptions {
  policy: DmarcPolicy;
  /** Aggregate report address (rua=mailto:…). Default: none. */
  reportAddress?: string;
  /** Percentage of mail the policy applies to. Default: 100 (left out). */
  percent?: number;
}

const MAILBOX = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/**
 * Problems with a DMARC record (RFC 7489 6.3-6.4): `v=DMARC1` first, `p=` second with a known
 * policy, known tags only, each once, and report URIs as `mailto:`.
 */
export function checkDmarc(what: string, record: string): string[] {
  const tags = record.split(";").map(t => t.trim()).filter(t => t !== "");
  const pairs = tags.map(t => t.split("=").map(x => x.trim()));
  const got = `(got ${JSON.stringify(record)})`;
  if (pairs.length === 0 || pairs.some(p => p.length !== 2 || p[0] === "" || p[1] === "")) return [`${what} must be tag=value pairs separated by ";" ${got}`];
  const problems: string[] = [];
  if (pairs[0]?.[0] !== "v" || pairs[0]?.[1] !== "DMARC1") problems.push(`${what} must start with v=DMARC1 ${got}`);
  if (pairs[1]?.[0] !== "p") problems.push(`${what} must have p= as its second tag ${got}`);
  const known: Record<string, (v: string) => boolean> = {
    v: v => v === "DMARC1",
    p: v => (DMARC_POLICIES as readonly string[]).includes(v),
    sp: v => (DMARC_POLICIES as readonly string[]).includes(v),
    pct: v => /^\d+$/.test(v) && Number(v) <= 100,
    adkim: v => v === "r" || v === "s",
    aspf: v => v === "r" || v === "s",
    rua: v => v.split(",").every(u => /^mailto:/.test(u.trim()) && MAILBOX.test(u.trim().slice(7).replace(/!\d+[kmgt]?$/, ""))),
    ruf: v => v.split(",").every(u => /^mailto:/.test(u.trim()) && MAILBOX.test(u.trim().slice(7).replace(/!\d+[kmgt]?$/, ""))),
    fo: v => /^[01ds](:[01ds])*$/.test(v),
    rf: v => v === "afrf",
    ri: v => /^\d+$/.test(v),
  };
  const seen = new Set<string>();
  for (const [tag, value] of pairs) {
    if (seen.has(tag)) problems.push(`${what} must not repeat the tag ${tag} ${got}`);
    seen.add(tag);
    const valid = known[tag];
    if (!valid) problems.push(`${what} must use only DMARC tags (v, p, sp, pct, adkim, aspf, rua, ruf, fo, rf, ri); ${tag} is not one ${got}`);
    else if (!valid(value)) problems.push(`${what} has an invalid ${tag}=${value} ${got}`);
  }
  return problems;
}

/** `v=DMARC1; p=<policy>[; pct=…][; rua=mailto:…]`, checked before it is returned. */
export function dmarcRecord(o: DmarcOptions): string {
  const tags = [`v=DMARC1`, `p=${o.policy}`];
  if (o.percent !== undefined && o.percent !== 100) tags.push(`pct=${o.percent}`);
  if (o.reportAddress !== undefined) tags.push(`rua=mailto:${o.reportAddress}`);
  const record = tags.join("; ");
  const problems = checkDmarc("a DMARC record", record);
  if (problems.length) throw new RecordValueError(problems[0]);
  return record;
}

export function isMailbox(address: string): boolean {
  return MAILBOX.test(address);
}

function abbreviate(v: string): string {
  return v.length > 40 ? `${v.slice(0, 37)}...` : v;
}
