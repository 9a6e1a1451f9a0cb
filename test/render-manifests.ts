/**
 * Writes every Kubernetes object of each committed stack, captured under mocks, as one YAML file
 * per object: `<out>/<stack>/<kind>_<namespace>_<name>.yaml`, for the third-party scanners of
 * `.ci/scan.sh`. Secret values are replaced by a placeholder: scanners judge the shape, and mock
 * secrets have no business on disk.
 * Usage: node -r ts-node/register/transpile-only test/render-manifests.ts <out> [stack...]
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { evaluateStack, manifests } from "./harness";

const REDACTED = "redacted-by-render-manifests";

function redact(m: any): any {
  if (m.kind !== "Secret") return m;
  const blank = (d?: Record<string, string>) => d && Object.fromEntries(Object.keys(d).map(k => [k, REDACTED]));
  return { ...m, data: blank(m.data), stringData: blank(m.stringData) };
}

/** Drops undefined fields (YAML has no undefined) through a JSON round trip. */
function plain(m: any): any {
  return JSON.parse(JSON.stringify(m));
}

async function main(): Promise<void> {
  const [out, ...requested] = process.argv.slice(2);
  if (!out) throw new Error("usage: render-manifests.ts <out> [stack...]");
  const stacks = requested.length ? requested : ["local", "dev", "prod"];
  for (const stack of stacks) {
    const dir = path.join(out, stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const { resources } = await evaluateStack(stack);
    const objects = manifests(resources).map(m => plain(redact(m)));
    for (const m of objects) {
      const file = [m.kind, m.metadata?.namespace ?? "cluster", m.metadata?.name].join("_").toLowerCase();
      fs.writeFileSync(path.join(dir, `${file}.yaml`), yaml.dump(m, { noRefs: true, lineWidth: -1 }));
    }
    console.log(`${stack}: ${objects.length} objects -> ${dir}`);
  }
}

main().catch(e => { console.error(e); process.exit(1); });
