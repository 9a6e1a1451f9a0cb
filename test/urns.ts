/**
 * Resource identity snapshots. A deployed resource is matched to the program by its URN (the
 * parent chain's types, its own type and its name): a refactor that changes a URN without an
 * `aliases` entry makes the engine delete the deployed resource and create a new one — a database,
 * bucket or secret lost. `test/urns/<case>.txt` holds every URN each stack configuration below
 * registers, sorted, one per line; test/urns.test.ts fails when the program's URNs differ.
 *
 * After an intended change (a resource added, or removed on purpose), review the diff and run
 * `npm run urns:update` (this file as a script) to rewrite the snapshots; commit them with the change.
 */
import * as fs from "fs";
import * as path from "path";
import { Captured, evaluateStack } from "./harness";

export const URN_DIR = path.join(__dirname, "urns");

/** A stack configuration whose URNs are kept: a committed stack file, with overrides. */
export interface UrnCase {
  stack: string;
  overrides?: Record<string, string>;
}

// An RSA public key (2048-bit, SPKI DER, base64, generated once with node's crypto): DKIM records need
// a valid one; its value is not part of any URN.
const DKIM_KEY =
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkseiLGZdeBGVCSNB++3X57h0Hx8nT7sbqaqPSpF7NNhVgHr9DEhfiisa+lMy" +
  "lD2/AJCXft/PCOcQeCM9IoMHjwUL4DhbtvthBXhqm7oGFRlQhwnKCG8DQ1sxZ2ivbwGzUp2TeEpFz/B9HY37f0zN3WlEmg+QSFFFEA6L" +
  "owJLwYlS0wt3YEOtC81JH7NB9PzPS4wHW35n8cy9Cj9X1QLHgohCklo/aJq8+2pNFneUbUO99OWBznZ2CXkA9uS9bkI26yKg+0RnOtbf" +
  "JK42wJEBhRrkOu8IG+hQF8nag+uXXL5jfKUrv1s7UpEK9+RptDXo4SIPdz0Jj9XCPt96ay91twIDAQAB";

/** Every DNS-dependent resource: public host records, ScaiSend's mail records and PTR records. */
const DNS: Record<string, string> = {
  "dns.zoneId": "Z0DEVSCAI000001",
  "dns.ingressHostname": "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
  "dns.ingressZoneId": "Z32O12XQLNTSW2",
  "dns.ingressIpv6": "true",
  "scaisend.smtp.inboundIps": '["198.51.100.25"]',
  // The Elastic IP the SMTP NLB is bound to (the address above) and its subnet: an A record names only a bound address.
  "scaisend.smtp.inboundEipAllocationIds": '["eipalloc-0aaaaaaaaaaaaaaa1"]',
  "scaisend.smtp.inboundSubnets": '["subnet-0bbbbbbbbbbbbbbb1"]',
  "scaisend.smtp.outboundIps": '["203.0.113.10","203.0.113.11"]',
  "scaisend.smtp.eipAllocationIds": '["eipalloc-0123456789abcdef0","eipalloc-0fedcba987654321f"]',
  "scaisend.abuseDomain": "dev.scai.example.com",
  "scaisend.senderDomains": '["dev.scai.example.com","news.dev.scai.example.com"]',
  "scaisend.dkim.publicKeys": JSON.stringify([`dev.scai.example.com:${DKIM_KEY}`, `news.dev.scai.example.com:${DKIM_KEY}`]),
  "scaisend.dmarc.reportAddress": "dmarc@scai.example.com",
};

/** The snapshot cases: each committed stack, and dev with every DNS feature configured. */
export const URN_CASES: Record<string, UrnCase> = {
  local: { stack: "local" },
  dev: { stack: "dev" },
  prod: { stack: "prod" },
  "dev-dns": { stack: "dev", overrides: DNS },
};

export const snapshotFile = (name: string): string => path.join(URN_DIR, `${name}.txt`);

/** The program's resources for a case (evaluated once per run, shared with the other suites). */
export async function caseResources(c: UrnCase): Promise<Captured[]> {
  return (await evaluateStack(c.stack, c.overrides ?? {})).resources;
}

/** The sorted URNs of a set of resources, duplicates kept (a real engine refuses them). */
export function urnsOf(resources: Captured[]): string[] {
  return resources.map(r => r.urn).sort();
}

export function readSnapshot(name: string): string[] | undefined {
  const file = snapshotFile(name);
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, "utf8").split("\n").filter(l => l.trim() !== "");
}

export function writeSnapshot(name: string, urns: string[]): void {
  fs.mkdirSync(URN_DIR, { recursive: true });
  fs.writeFileSync(snapshotFile(name), urns.join("\n") + "\n");
}

export interface UrnDiff {
  /** In the snapshot, not registered, and no resource aliases it: the engine would delete it. */
  removed: string[];
  /** Registered, not in the snapshot, and not a rename of a snapshot URN through `aliases`. */
  added: string[];
  /** Snapshot URN -> the registered URN that aliases it (a rename the engine follows). */
  renamed: Array<[from: string, to: string]>;
}

/** Compares registered resources with a snapshot; a removed URN some resource aliases is a rename, not a removal. */
export function diffUrns(snapshot: readonly string[], resources: readonly Captured[]): UrnDiff {
  const before = new Set(snapshot);
  const now = new Set(resources.map(r => r.urn));
  const renamed: Array<[string, string]> = [];
  const renamedTo = new Set<string>();
  for (const r of resources) {
    if (before.has(r.urn)) continue;
    for (const a of r.aliases) {
      if (before.has(a) && !now.has(a)) {
        renamed.push([a, r.urn]);
        renamedTo.add(r.urn);
      }
    }
  }
  const renamedFrom = new Set(renamed.map(([from]) => from));
  return {
    removed: [...before].filter(u => !now.has(u) && !renamedFrom.has(u)).sort(),
    added: [...now].filter(u => !before.has(u) && !renamedTo.has(u)).sort(),
    renamed: renamed.sort(),
  };
}

/** The failure message for a diff, or undefined when the snapshot still holds. */
export function describeDiff(name: string, diff: UrnDiff): string | undefined {
  if (diff.removed.length === 0 && diff.added.length === 0) return undefined;
  const rel = path.relative(process.cwd(), snapshotFile(name));
  const lines = [`resource URNs of "${name}" differ from ${rel}:`];
  if (diff.removed.length > 0) {
    lines.push(
      `  removed (${diff.removed.length}): a deployed resource with this URN would be DELETED and recreated.`,
      "  If it was moved or renamed, add `aliases` with its old name/type/parent; if the removal is intended, run `npm run urns:update` after review.",
      ...diff.removed.map(u => `    - ${u}`),
    );
  }
  if (diff.added.length > 0) {
    lines.push(
      `  added (${diff.added.length}): new resources; run \`npm run urns:update\` after review and commit the snapshot with the change.`,
      ...diff.added.map(u => `    + ${u}`),
    );
  }
  return lines.join("\n");
}

/** `npm run urns:update [case...]`: rewrites the snapshots (all cases, or the named ones). */
async function update(names: string[]): Promise<void> {
  const unknown = names.filter(n => !(n in URN_CASES));
  if (unknown.length > 0) throw new Error(`unknown URN case(s) ${unknown.join(", ")}; known: ${Object.keys(URN_CASES).join(", ")}`);
  for (const name of names.length > 0 ? names : Object.keys(URN_CASES)) {
    const urns = urnsOf(await caseResources(URN_CASES[name]));
    const old = readSnapshot(name) ?? [];
    const before = new Set(old);
    const after = new Set(urns);
    const added = urns.filter(u => !before.has(u)).length;
    const removed = old.filter(u => !after.has(u)).length;
    writeSnapshot(name, urns);
    console.log(`${path.relative(process.cwd(), snapshotFile(name))}: ${urns.length} URNs (+${added} -${removed})`);
  }
}

if (require.main === module) {
  update(process.argv.slice(2)).catch(e => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
