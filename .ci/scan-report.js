#!/usr/bin/env node
/**
 * Reads the scanners' JSON results for each stack, applies .ci/scanner-suppressions.yaml, prints
 * pass / fail / suppressed counts per stack and scanner, lists every unsuppressed failure, and
 * exits 1 if there is one. A suppression that matched nothing on any stack is reported as stale.
 * Usage: node .ci/scan-report.js <suppressions.yaml> <results-dir> <stack>...
 *   where <results-dir>/<stack>/checkov.json and <results-dir>/<stack>/kube-score.json exist.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const [suppressionFile, resultsDir, ...stacks] = process.argv.slice(2);
const suppressions = yaml.load(fs.readFileSync(suppressionFile, "utf8")) || [];
for (const s of suppressions) {
  if (!s.scanner || !s.check || !Array.isArray(s.objects) || !s.reason || String(s.reason).trim().length < 20) {
    console.error(`suppression without scanner, check, objects and a reason: ${JSON.stringify(s)}`);
    process.exit(1);
  }
}
const used = new Set();

const glob = p => new RegExp(`^${p.split("*").map(x => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
function suppression(stack, scanner, check, object) {
  const i = suppressions.findIndex(s => s.scanner === scanner && s.check === check
    && (!s.stacks || s.stacks.includes(stack)) && s.objects.some(o => glob(o).test(object)));
  if (i >= 0) used.add(i);
  return i >= 0;
}

/** checkov: one result per (resource, check); resource reads Kind.namespace.name. Run with --quiet,
 * it lists failures only, and counts passes in its summary. */
function checkov(file) {
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  const reports = (Array.isArray(doc) ? doc : [doc]).filter(r => r.check_type === "kubernetes");
  const object = resource => { const parts = resource.split("."); return `${parts[0]}/${parts[parts.length - 1]}`; };
  return reports.flatMap(r => [
    ...Array.from({ length: r.summary.passed }, () => ({ ok: true })),
    ...(r.results.failed_checks || []).map(c => ({ check: c.check_id, object: object(c.resource), ok: false, what: c.check_name })),
  ]);
}

/** kube-score: one result per (object, check) that was not skipped; grade 10 is a pass, warnings fail. */
function kubeScore(file) {
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  return doc.flatMap(o => o.checks.filter(c => !c.skipped).map(c => ({
    check: c.check.id,
    object: `${o.type_meta.kind}/${o.object_meta.name}`,
    ok: c.grade >= 10,
    what: (c.comments || []).map(x => `${x.path ? `(${x.path}) ` : ""}${x.summary}`).join("; ") || c.check.name,
  })));
}

const SCANNERS = { checkov, "kube-score": kubeScore };
const rows = [];
const failures = [];
for (const stack of stacks) {
  for (const [scanner, read] of Object.entries(SCANNERS)) {
    const results = read(path.join(resultsDir, stack, `${scanner}.json`));
    const failed = results.filter(r => !r.ok);
    const suppressed = failed.filter(r => suppression(stack, scanner, r.check, r.object));
    const open = failed.filter(r => !suppressed.includes(r));
    rows.push({ stack, scanner, passed: results.length - failed.length, failed: failed.length, suppressed: suppressed.length, open: open.length });
    for (const r of open) failures.push(`${stack} ${scanner} ${r.check} ${r.object}: ${r.what}`);
  }
}

const pad = (v, n) => String(v).padEnd(n);
console.log(`${pad("stack", 7)}${pad("scanner", 12)}${pad("passed", 8)}${pad("failed", 8)}${pad("suppressed", 12)}unsuppressed`);
for (const r of rows) console.log(`${pad(r.stack, 7)}${pad(r.scanner, 12)}${pad(r.passed, 8)}${pad(r.failed, 8)}${pad(r.suppressed, 12)}${r.open}`);
suppressions.forEach((s, i) => {
  if (!used.has(i)) console.log(`stale suppression (matched nothing): ${s.scanner} ${s.check} ${s.objects.join(", ")}`);
});
if (failures.length) {
  console.log(`\n${failures.length} unsuppressed failure(s): fix them, or add them with a reason to ${suppressionFile}`);
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
console.log("\nscanners: no unsuppressed failure");
