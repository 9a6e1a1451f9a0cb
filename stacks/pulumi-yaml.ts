/**
 * Pulumi.yaml's `config:` block, derived from the schema in code. `npm run config:sync`
 * rewrites the block; test/stacks/pulumi-yaml.test.ts fails when the two drift apart.
 */
import * as fs from "fs";
import * as path from "path";
import { allConfigKeys } from "./environment";

export const PULUMI_YAML = path.resolve(__dirname, "..", "Pulumi.yaml");
const MARKER = "config:\n";

/** The `config:` block for every key the program reads. */
export function configBlock(): string {
  const lines = ["config:"];
  for (const [key, f] of allConfigKeys()) {
    lines.push(`  ${key}:`, `    type: ${f.type}`);
    if (f.type === "array") lines.push("    items:", "      type: string");
    lines.push(`    description: ${JSON.stringify(f.description)}`);
    if (f.secret) lines.push("    secret: true");
  }
  return lines.join("\n") + "\n";
}

if (require.main === module) {
  const current = fs.readFileSync(PULUMI_YAML, "utf8");
  const head = current.slice(0, current.indexOf(MARKER));
  fs.writeFileSync(PULUMI_YAML, head + configBlock());
  console.log(`rewrote the config block of ${PULUMI_YAML} (${allConfigKeys().length} keys)`);
}
