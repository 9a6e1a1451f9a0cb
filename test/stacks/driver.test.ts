/**
 * The Automation API driver's pure parts, without an engine: its command line, the summary it
 * prints and writes for CI, secret masking, the secrets-provider rules and the exit code of
 * every way a run can fail. (The engine-backed runs are in test/integration/.)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CliFetchers, DriverError, EXIT, INSTALL_SCRIPT_URL, LOCAL_PASSPHRASE, MASK, RunSummary, classifyFailure, countChanges, engineEnv, formatSummary, requiredPlugins,
  installedCliRoot, main, maskOutputs, parseArgs, pinnedCliRoot, pinnedPulumiVersion,
} from "../../tools/driver";
import { ConfigError } from "../../platform/environment";
import { PLATFORM_OUTPUT_NAMES, platformStackName } from "@scai/platform-components";
import { ROOT, evaluateStack, output } from "../harness";

/** For runs that must stop before looking for a CLI: any download, probe or build fails the test. */
const NO_DOWNLOADS: CliFetchers = {
  download: async () => assert.fail("a unit test tried to download the Pulumi CLI"),
  unreachable: async () => assert.fail("a unit test tried to reach the network"),
  build: () => assert.fail("a unit test tried to build the engine"),
};

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.ok(e instanceof DriverError);
    assert.strictEqual(e.exitCode, EXIT.usage);
    return e.message.split("\n")[0];
  }
  throw new Error(`parseArgs accepted ${argv.join(" ")}`);
}

/** Runs `fn` with process.env changed as given (undefined deletes), then restores it. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

/** Runs `fn` with console.log/error captured; returns what they printed. */
async function quietly(fn: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await fn();
  } finally {
    Object.assign(console, { log, error });
  }
  return lines.join("\n");
}

describe("driver command line", () => {
  it("reads the command, the stack and every flag, in any order", () => {
    assert.deepStrictEqual(
      parseArgs(["--stack", "dev", "preview", "--json", "out/preview.json", "--expect-no-changes", "--policy-pack", "policy"]),
      { command: "preview", stack: "dev", json: "out/preview.json", expectNoChanges: true, policyPack: "policy", allowReplace: [], allowDataLoss: false },
    );
    assert.deepStrictEqual(parseArgs(["up", "--stack=local"]), {
      command: "up", stack: "local", json: undefined, expectNoChanges: false, policyPack: undefined, allowReplace: [], allowDataLoss: false,
    });
  });

  it("reads --allow-replace (repeatable) and --allow-data-loss, for preview and up only", () => {
    const a = parseArgs(["up", "--stack", "prod", "--allow-replace", "scaidrive-mariadb", "--allow-replace=urn:pulumi:prod::scai-platform::aws:s3/bucket:Bucket::b"]);
    assert.deepStrictEqual([a.allowReplace, a.allowDataLoss], [["scaidrive-mariadb", "urn:pulumi:prod::scai-platform::aws:s3/bucket:Bucket::b"], false]);
    assert.strictEqual(parseArgs(["preview", "--stack", "dev", "--allow-data-loss"]).allowDataLoss, true);
    assert.strictEqual(usageError(["up", "--stack", "dev", "--allow-replace"]), "--allow-replace needs a value");
    assert.strictEqual(usageError(["up", "--stack", "dev", "--allow-data-loss=yes"]), "--allow-data-loss takes no value");
    assert.strictEqual(usageError(["destroy", "--stack", "dev", "--allow-data-loss"]), "--allow-replace and --allow-data-loss apply to preview and up, not destroy");
  });

  it("a refused plan has its own exit code and says so", () => {
    assert.strictEqual(EXIT.destructive, 8);
    assert.strictEqual(new Set(Object.values(EXIT)).size, Object.keys(EXIT).length);
    const text = formatSummary({ command: "up", stack: "prod", exitCode: EXIT.destructive, error: "the plan ...", durationMs: 1000, backend: "file:///x" });
    assert.match(text.split("\n")[0], /^up of stack prod was refused in 1\.0 s \(exit 8\)$/);
  });

  it("refuses a missing command, stack or flag value with the usage line (exit 2)", () => {
    assert.strictEqual(usageError(["--stack", "local"]), "no command given");
    assert.strictEqual(usageError(["up"]), "--stack is required");
    assert.strictEqual(usageError(["up", "--stack"]), "--stack needs a value");
    assert.strictEqual(usageError(["up", "--stack", "--json", "x"]), "--stack needs a value");
  });

  it("refuses unknown commands, unknown flags and two commands at once", () => {
    assert.strictEqual(usageError(["deploy", "--stack", "local"]), 'unknown command "deploy"');
    assert.strictEqual(usageError(["up", "--stack", "local", "--yes"]), "unknown flag --yes");
    assert.strictEqual(usageError(["up", "destroy", "--stack", "local"]), "one command at a time (got up and destroy)");
    assert.strictEqual(usageError(["up", "--stack", "../prod"]), `--stack must be a stack name of letters, digits, '-', '_' and '.' (got "../prod")`);
  });

  it("refuses flags on commands they cannot apply to", () => {
    assert.strictEqual(usageError(["destroy", "--stack", "local", "--expect-no-changes"]), "--expect-no-changes applies to preview, up and refresh, not destroy");
    assert.strictEqual(usageError(["refresh", "--stack", "local", "--policy-pack", "policy"]), "--policy-pack applies to preview and up, not refresh");
  });
});

describe("driver summary", () => {
  it("folds the engine's operations into creates, updates, replaces, deletes and unchanged", () => {
    assert.deepStrictEqual(
      countChanges({ create: 3, import: 1, update: 2, replace: 1, "create-replacement": 1, "delete-replaced": 1, delete: 4, discard: 1, same: 70, read: 2 }),
      { create: 4, update: 2, replace: 1, delete: 5, same: 72 },
    );
    assert.deepStrictEqual(countChanges(undefined), { create: 0, update: 0, replace: 0, delete: 0, same: 0 });
  });

  it("masks every secret output and keeps the others as they are", () => {
    assert.deepStrictEqual(
      maskOutputs({
        namespace: { value: "scai-local", secret: false },
        systems: { value: { scaidrive: { url: "https://drive.scai.localhost" } }, secret: false },
        adminPassword: { value: "hunter2-the-real-one", secret: true },
      }),
      { namespace: "scai-local", systems: { scaidrive: { url: "https://drive.scai.localhost" } }, adminPassword: MASK },
    );
  });

  const up: RunSummary = {
    command: "up",
    stack: "local",
    exitCode: EXIT.ok,
    durationMs: 12_345,
    changes: { create: 79, update: 1, replace: 0, delete: 2, same: 3 },
    outputs: { namespace: "scai-local", token: MASK },
    renderedManifests: path.join(process.cwd(), "rendered", "local"),
    backend: "file:///tmp/state",
  };

  it("ends an up with the counts, the outputs (masked) and how to apply the rendered manifests", () => {
    const text = formatSummary(up);
    assert.match(text, /^up of stack local succeeded in 12\.3 s \(exit 0\)$/m);
    assert.match(text, /^ {2}resources: 79 created, 1 updated, 0 replaced, 2 deleted, 3 unchanged$/m);
    assert.match(text, /^ {4}namespace: "scai-local"$/m);
    assert.match(text, /^ {4}token: "\[secret\]"$/m);
    assert.match(text, /^ {2}then: kubectl apply -f rendered\/local\/1-manifest\/v1-namespace-default-scai-local\.yaml\n {2}and: kubectl apply -R -f rendered\/local\/$/m);
    assert.match(text, /cert-manager .*ingress-nginx and KEDA/);
  });

  it("speaks of a preview's changes in the future tense and of drift as found changes", () => {
    const text = formatSummary({ ...up, command: "preview", exitCode: EXIT.changes, error: "--expect-no-changes: the engine found changes on stack local", outputs: undefined });
    assert.match(text, /^preview of stack local found changes in 12\.3 s \(exit 6\)$/m);
    assert.match(text, /^ {2}resources: 79 to create, 1 to update, 0 to replace, 2 to delete, 3 unchanged$/m);
    assert.doesNotMatch(text, /kubectl/);
  });

  it("writes the summary as JSON for CI, failures included", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "driver-json-"));
    const file = path.join(dir, "nested", "summary.json");
    const code = await quietly(() => main(["up", "--stack", "no-such-stack", "--json", file], NO_DOWNLOADS)).then(() => JSON.parse(fs.readFileSync(file, "utf8")));
    assert.strictEqual(code.command, "up");
    assert.strictEqual(code.stack, "no-such-stack");
    assert.strictEqual(code.exitCode, EXIT.noStack);
    assert.match(code.error, /^no stack config .*Pulumi\.no-such-stack\.yaml: create it/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("driver failures and exit codes", () => {
  it("surfaces the program's ConfigError lines as they are (exit 5)", () => {
    const problems = [
      'scai-platform:scaidrive.api.replicas must be an integer >= 1 (got "three")',
      "scai-platform:domain must be a DNS hostname such as drive.example.com (got nothing; it has no default on the dev profile)",
    ];
    // What the engine prints when the program throws it (as a RunError: message only), twice over.
    const engineText = `Updating (dev):\n    pulumi:pulumi:Stack scai-platform-dev  error: ${new ConfigError(problems).message.split("\n").join("\n    ")}\n` +
      `Diagnostics:\n  pulumi:pulumi:Stack (scai-platform-dev):\n    error: ${new ConfigError(problems).message}\n`;
    const { exitCode, message } = classifyFailure("up", "dev", engineText);
    assert.strictEqual(exitCode, EXIT.config);
    assert.strictEqual(message, `stack dev has invalid config:\n  ${problems.join("\n  ")}`);
  });

  it("the engine's own refusal of a stack value against Pulumi.yaml (before the program runs) is a config error too (exit 5)", () => {
    // As CLI 3.274.1 prints it after `pulumi config set scaidrive 3` (a mapping set to a single value).
    const typed = classifyFailure("preview", "local", "error: validating stack config: Stack 'local' with configuration key 'scaidrive' must be of type 'object'\n");
    assert.deepStrictEqual(typed, {
      exitCode: EXIT.config,
      message: "stack local has invalid config (checked by the engine against Pulumi.yaml):\n  Stack 'local' with configuration key 'scaidrive' must be of type 'object'",
    });
    assert.strictEqual(classifyFailure("up", "dev", "error: Stack 'dev' is missing configuration value 'domain'").exitCode, EXIT.config);
  });

  it("tells drift (exit 6), a missing plugin (exit 3), a missing stack (exit 4) and a wrong passphrase (exit 7) apart", () => {
    assert.strictEqual(classifyFailure("up", "local", "error: no changes were expected but changes were proposed").exitCode, EXIT.changes);
    // As the CLI words it for `refresh --expect-no-changes` (measured on a real API server, test/integration/cluster.itest.ts).
    assert.strictEqual(classifyFailure("refresh", "cluster", "error: no changes were expected for refresh but changes were proposed").exitCode, EXIT.changes);
    const plugin = classifyFailure("up", "local", "error: no resource plugin 'pulumi-resource-kubernetes' found in the workspace at version v4.34.2 or on your $PATH, install the plugin using `pulumi plugin install resource kubernetes v4.34.2`");
    assert.strictEqual(plugin.exitCode, EXIT.noEngine);
    assert.match(plugin.message, /docs\/operations\.md, "The engine"/);
    assert.strictEqual(classifyFailure("outputs", "dev", "error: no stack named 'dev' found").exitCode, EXIT.noStack);
    assert.strictEqual(classifyFailure("up", "dev", "error: getting secrets manager: incorrect passphrase").exitCode, EXIT.secrets);
  });

  it("ends any other failure with the engine's own error lines, once each (exit 1)", () => {
    const text = "  kubernetes:apps/v1:Deployment x  error: resource x was not created: timed out\n" +
      "error: update failed\n" +
      "Diagnostics:\n    error: resource x was not created: timed out\n";
    assert.deepStrictEqual(classifyFailure("up", "dev", text), { exitCode: EXIT.failed, message: "up failed:\n  resource x was not created: timed out" });
  });

  it("returns exit 2 and prints the usage for a bad command line", async () => {
    let code = -1;
    const printed = await quietly(async () => { code = await main(["launch", "--stack", "local"], NO_DOWNLOADS); });
    assert.strictEqual(code, EXIT.usage);
    assert.match(printed, /^usage: npm run deploy -- <preview\|up\|refresh\|destroy\|outputs> --stack <name>/m);
  });

  it("returns exit 3 with the install hints when there is no Pulumi CLI", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "driver-nocli-"));
    let code = -1;
    // Stand-ins for the download, the probe and the Go build: a unit test reaches no network and builds nothing.
    const asked: string[] = [];
    const offline: CliFetchers = {
      download: async root => { asked.push(`download ${root}`); throw new Error("download refused (test stand-in)"); },
      unreachable: async url => { asked.push(`probe ${url}`); return " (unreachable in this test)"; },
      build: why => { asked.push(`build: ${why}`); return false; },
    };
    const printed = await withEnv(
      { PATH: path.join(tmp, "empty-bin"), PULUMI_HOME: tmp, PULUMI_BACKEND_URL: `file://${tmp}/state`, PULUMI_CONFIG_PASSPHRASE: undefined },
      () => quietly(async () => { code = await main(["preview", "--stack", "local"], offline); }),
    );
    assert.strictEqual(code, EXIT.noEngine);
    const version = pinnedPulumiVersion();
    assert.deepStrictEqual(asked, [
      `download ${tmp}/versions/${version}`,
      `probe ${INSTALL_SCRIPT_URL}`,
      `build: the download of Pulumi CLI ${version} was not possible: download refused (test stand-in) (unreachable in this test)`,
    ]);
    assert.match(printed, new RegExp(`no usable Pulumi CLI \\(looked in ${tmp}/versions/${version}/bin, ${tmp}/bin, then PATH`));
    assert.match(printed, /installing [0-9.]+ failed: download refused \(test stand-in\) \(unreachable in this test\)/);
    assert.match(printed, /get\.pulumi\.com/);
    assert.match(printed, /docs\/operations\.md, "The engine"/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe("driver plugins", () => {
  it("local needs the kubernetes and random plugins at their npm versions; dev and prod add aws and docker", () => {
    const deps = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).dependencies;
    assert.deepStrictEqual(requiredPlugins("local"), [
      { name: "kubernetes", version: `v${deps["@pulumi/kubernetes"]}` },
      { name: "random", version: `v${deps["@pulumi/random"]}` },
    ]);
    assert.deepStrictEqual(requiredPlugins("prod").map(p => p.name), ["kubernetes", "random", "aws", "docker"]);
  });

  it("a stack's plugins follow its profile, data services and hosted zone, not its name", () => {
    const names = (stack: string, file: string) => requiredPlugins(stack, file).map(p => p.name);
    assert.deepStrictEqual(names("sandbox", "config:\n  scai-platform:profile: local\n"), ["kubernetes", "random"]);
    assert.deepStrictEqual(names("local", "config:\n  scai-platform:dataServices: aws\n"), ["kubernetes", "random", "aws", "docker"]);
    assert.deepStrictEqual(names("local", 'config:\n  scai-platform:dns:\n    zoneId: "Z0123456789"\n'), ["kubernetes", "random", "aws", "docker"]);
    assert.deepStrictEqual(names("staging", "config:\n  scai-platform:dataServices: in-cluster\n"), ["kubernetes", "random", "aws", "docker"]);
    assert.deepStrictEqual(names("local", fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")), ["kubernetes", "random"]);
  });
});

describe("driver engine environment", () => {
  const base = { PATH: "/usr/bin" };

  it("gives local the documented dev passphrase, a file backend in the repo, and no update checks or plugin downloads", () => {
    assert.deepStrictEqual(engineEnv("local", base, "config: {}\n", "/repo"), {
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_BACKEND_URL: "file:///repo/.pulumi-state",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      PULUMI_K8S_ENABLE_PATCH_FORCE: "true",
      PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
    });
  });

  it("has `up` take back fields edited by hand (server-side apply with force) unless the user says otherwise", () => {
    assert.strictEqual(engineEnv("dev", { ...base, PULUMI_CONFIG_PASSPHRASE: "p" }, "").PULUMI_K8S_ENABLE_PATCH_FORCE, "true");
    assert.strictEqual(engineEnv("dev", { ...base, PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_K8S_ENABLE_PATCH_FORCE: "false" }, "").PULUMI_K8S_ENABLE_PATCH_FORCE, "false");
  });

  it("keeps the user's own backend and passphrase on local", () => {
    const vars = engineEnv("local", { ...base, PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_CONFIG_PASSPHRASE_FILE: "/run/pass" }, "", "/repo");
    assert.strictEqual(vars.PULUMI_BACKEND_URL, "s3://state-bucket");
    assert.strictEqual(vars.PULUMI_CONFIG_PASSPHRASE, undefined);
  });

  it("refuses dev and prod without a secrets provider of their own (exit 7)", () => {
    for (const [env, why] of [
      [base, /stack prod needs its own secrets provider: set PULUMI_CONFIG_PASSPHRASE/],
      [{ ...base, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE }, /the local dev passphrase is public/],
    ] as const) {
      assert.throws(() => engineEnv("prod", env, "config: {}\n"), (e: DriverError) => e.exitCode === EXIT.secrets && why.test(e.message));
    }
  });

  it("accepts dev with the user's passphrase, or with a KMS secrets provider in its stack file", () => {
    assert.strictEqual(engineEnv("dev", { ...base, PULUMI_CONFIG_PASSPHRASE: "correct horse" }, "").PULUMI_CONFIG_PASSPHRASE, undefined);
    assert.doesNotThrow(() => engineEnv("dev", base, "secretsprovider: awskms://alias/scai-dev?region=eu-west-1\nencryptedkey: abc\n"));
    assert.throws(() => engineEnv("dev", base, "secretsprovider: passphrase\n"), (e: DriverError) => e.exitCode === EXIT.secrets);
  });

  it("looks for the CLI of the pinned @pulumi/pulumi version where the installers put it", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.strictEqual(pinnedPulumiVersion(), pkg.dependencies["@pulumi/pulumi"]);
    assert.strictEqual(pinnedCliRoot("3.270.0", { PULUMI_HOME: "/opt/pulumi" }), "/opt/pulumi/versions/3.270.0");
    assert.strictEqual(pinnedCliRoot("3.270.0", {}), path.join(os.homedir(), ".pulumi", "versions", "3.270.0"));
  });

  it("prefers the pinned version's CLI, then PULUMI_HOME/bin (installers' link), else PATH", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "driver-home-"));
    const env = { PULUMI_HOME: home };
    const place = (dir: string) => { fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(path.join(dir, "pulumi"), ""); };
    assert.strictEqual(installedCliRoot("3.270.0", env), undefined);
    place(path.join(home, "bin"));
    assert.strictEqual(installedCliRoot("3.270.0", env), home);
    place(path.join(home, "versions", "3.270.0", "bin"));
    assert.strictEqual(installedCliRoot("3.270.0", env), path.join(home, "versions", "3.270.0"));
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe("outputs contract", () => {
  it("exports exactly the documented outputs, with each system's DNS name beside its URL", async () => {
    const { outputs } = await evaluateStack("local");
    assert.deepStrictEqual(Object.keys(outputs).sort(), [...PLATFORM_OUTPUT_NAMES].sort());
    assert.strictEqual(await output(outputs.namespace), "scai-local");
    assert.strictEqual(outputs.domain, "scai.localhost");
    assert.strictEqual(outputs.renderedManifests, "rendered/local");
    const drive = outputs.systems.scaidrive!;
    assert.strictEqual(drive.url, "https://drive.scai.localhost");
    assert.strictEqual(drive.hostname, "drive.scai.localhost");
    assert.strictEqual(await output(drive.apiAddress!), "http://scaidrive-api.scai-local.svc.cluster.local:8000");
  });

  it("names a platform stack the way a StackReference on a file backend expects", () => {
    assert.strictEqual(platformStackName("local"), "organization/scai-platform/local");
    assert.strictEqual(platformStackName("prod", "scailabs"), "scailabs/scai-platform/prod");
  });
});
