/**
 * `npm run pulumi -- <pulumi args>`: the Pulumi CLI as the driver runs it, for the commands the
 * driver does not wrap (`config set`, `stack ls`, `stack rm`, `stack export`, ...). It works from a
 * fresh clone with no setup: the same CLI the driver finds (installing or building it if need be),
 * the same state backend (`.pulumi-state/` unless PULUMI_BACKEND_URL is set) and, for `--stack
 * local`, the same public dev passphrase. Other stacks need their own passphrase or secrets
 * provider, exactly as with the driver. The CLI's exit code is passed through.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DriverError, REPO_ROOT, engineEnv, findPulumi, pinnedPulumiVersion } from "./driver";

/** The stack named by `--stack X`, `--stack=X`, `-s X`, `-s=X`, or `stack init|rm|select X`, if any. */
export function stackOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const m = /^(?:--stack|-s)(?:=(.*))?$/.exec(argv[i]);
    if (m) return m[1] ?? argv[i + 1];
  }
  const words = argv.filter((a, i) => !a.startsWith("-") && !/^(--cwd|-C)$/.test(argv[i - 1] ?? ""));
  return words[0] === "stack" && ["init", "rm", "select"].includes(words[1]) ? words[2] : undefined;
}

/**
 * The environment `pulumi <argv>` runs with. With a stack, exactly the driver's (engineEnv, which
 * refuses a non-local stack without a secrets provider of its own); without one (`stack ls`, `whoami`),
 * only the backend and the engine settings, since no secret is decrypted.
 */
export function cliEnv(argv: readonly string[], env: Readonly<NodeJS.ProcessEnv>, root = REPO_ROOT): Record<string, string> {
  const stack = stackOf(argv);
  if (stack !== undefined) {
    const file = `${root}/Pulumi.${stack}.yaml`;
    return engineEnv(stack, env, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined, root);
  }
  const vars = engineEnv("local", env, undefined, root);
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) delete vars.PULUMI_CONFIG_PASSPHRASE;
  return vars;
}

/** The CLI's own `--cwd X` / `-C X` (the project folder), as arguments to repeat, or none. */
export function cwdArgs(argv: readonly string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    const m = /^(?:--cwd|-C)(?:=(.*))?$/.exec(argv[i]);
    if (m) return m[1] !== undefined ? [argv[i]] : [argv[i], argv[i + 1]];
  }
  return [];
}

/** Whether `pulumi <argv>` works on an existing stack only and is one a user runs before the first `up` (`config ...`). */
export function needsStack(argv: readonly string[]): boolean {
  const words = argv.filter((a, i) => !a.startsWith("-") && !/^(--stack|-s|--cwd|-C)$/.test(argv[i - 1] ?? ""));
  return words[0] === "config";
}

async function main(argv: readonly string[]): Promise<number> {
  let vars: Record<string, string>;
  try {
    vars = cliEnv(argv, process.env);
  } catch (e) {
    if (!(e instanceof DriverError)) throw e;
    console.error(e.message);
    return e.exitCode;
  }
  if (vars.PULUMI_BACKEND_URL.startsWith("file://")) fs.mkdirSync(vars.PULUMI_BACKEND_URL.slice("file://".length), { recursive: true });
  let command: string;
  try {
    command = (await findPulumi(pinnedPulumiVersion())).command;
  } catch (e) {
    console.error((e as Error).message);
    return e instanceof DriverError ? e.exitCode : 3;
  }
  const env = { ...process.env, ...vars };
  const stack = stackOf(argv);
  const cwd = cwdArgs(argv);
  const project = cwd.length > 0 ? path.resolve(REPO_ROOT, cwd[cwd.length - 1].replace(/^(--cwd|-C)=/, "")) : REPO_ROOT;
  if (stack !== undefined && needsStack(argv) && fs.existsSync(path.join(project, `Pulumi.${stack}.yaml`))) {
    // A fresh clone has the stack's file but not the stack: create it as `npm run deploy -- up` would.
    const ls = spawnSync(command, [...cwd, "stack", "ls", "--json"], { cwd: REPO_ROOT, env, encoding: "utf8" });
    const known = ls.status === 0 && (JSON.parse(ls.stdout || "[]") as Array<{ name: string }>).some(s => s.name === stack);
    if (!known) {
      console.error(`stack ${stack} is not in ${vars.PULUMI_BACKEND_URL} yet: creating it (pulumi stack init ${stack})`);
      const init = spawnSync(command, [...cwd, "stack", "init", stack, "--no-select"], { cwd: REPO_ROOT, env, stdio: "inherit" });
      if (init.status !== 0) return init.status ?? 1;
    }
  }
  const r = spawnSync(command, argv, { cwd: REPO_ROOT, stdio: "inherit", env });
  if (r.error) {
    console.error(`${command}: ${r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => process.exit(code));
}
