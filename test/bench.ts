/**
 * `npm run bench`: prints how long the program takes to evaluate under mocks for each stack,
 * beside a trivial one-resource program measured in the same run, and how long the unit suite
 * takes. Figures, not pass/fail: targets belong here, not in timed tests.
 */
import { execFileSync } from "child_process";
import * as k8s from "@pulumi/kubernetes";
import { loadEnvironment } from "../platform/environment";
import { deployPlatform } from "../platform/platform";
import { ROOT, evaluate, stackSource } from "./harness";

const RUNS = 5;

async function median(label: string, stack: string, fn: () => unknown): Promise<void> {
  await evaluate(stack, fn); // warm-up: module loading and JIT are not what we measure
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const { resources } = await evaluate(stack, fn);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    count = resources.length;
  }
  times.sort((a, b) => a - b);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(`${label.padEnd(28)} ${times[RUNS >> 1].toFixed(1).padStart(8)} ms median of ${RUNS}  ${String(count).padStart(4)} resources  rss ${rss} MiB`);
}

async function main(): Promise<void> {
  console.log(`mock evaluation (node ${process.version})`);
  await median("baseline: one ConfigMap", "local", () => new k8s.core.v1.ConfigMap("one", { data: { a: "b" } }));
  for (const stack of ["local", "dev", "prod"]) {
    const env = loadEnvironment(stackSource(stack));
    await median(`stack ${stack}`, stack, () => deployPlatform(env));
  }
  const t0 = Date.now();
  execFileSync("npx", ["mocha", "--reporter", "dot"], { cwd: ROOT, stdio: "ignore", env: { ...process.env, SCAI_TEST_STATS: "" } });
  console.log(`${"unit suite (mocha, wall)".padEnd(28)} ${String(Date.now() - t0).padStart(8)} ms`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
