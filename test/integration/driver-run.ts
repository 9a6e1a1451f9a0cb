/**
 * Runs the driver of a throwaway project copy as `npm run deploy` would, for the engine-backed
 * suites: on the suite's own file backend, with the engine the suite found first on PATH, and no
 * passphrase from the caller's shell (each stack brings its own).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { RunSummary } from "../../tools/driver";

/** How a driver run ended: its exit code, its output, the summary it wrote with --json, and its wall time. */
export interface DriverRun {
  code: number;
  output: string;
  summary?: RunSummary;
  seconds: number;
}

export interface DriverRunOptions {
  /** The project copy whose driver runs. */
  project: string;
  /** The driver inside it. Default: tools/driver.ts. */
  script?: string;
  /** Where it runs. Default: the project. */
  cwd?: string;
  /** PULUMI_BACKEND_URL of the run. */
  backend: string;
  /** The engine whose folder goes first on PATH. */
  pulumi: PulumiCommand;
  /** More environment; an undefined value removes the variable. Default: none. */
  env?: Record<string, string | undefined>;
}

let runs = 0;

export function runDriver(o: DriverRunOptions, ...args: string[]): Promise<DriverRun> {
  const json = path.join(os.tmpdir(), `scai-driver-summary-${process.pid}-${++runs}.json`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: o.backend,
    PATH: `${path.dirname(o.pulumi.command)}:${process.env.PATH}`,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
    ...o.env,
  };
  const started = Date.now();
  return new Promise(resolve => {
    execFile(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(o.project, o.script ?? path.join("tools", "driver.ts")), ...args, "--json", json],
      { cwd: o.cwd ?? o.project, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const summary = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) as RunSummary : undefined;
        fs.rmSync(json, { force: true });
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr, summary, seconds: (Date.now() - started) / 1000 });
      });
  });
}
