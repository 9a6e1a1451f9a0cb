/**
 * `npm run pulumi -- …` (tools/pulumi-cli.ts) runs the CLI with the driver's backend and, for
 * `local` only, its passphrase; the driver's engine messages say why a download was not possible.
 * The commands themselves on the real engine: test/integration/cli.itest.ts.
 */
import * as assert from "assert";
import * as http from "http";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_STATE_DIR, DriverError, EXIT, LOCAL_PASSPHRASE, explainFetchError, unreachableReason } from "../../tools/driver";
import { cliEnv, cwdArgs, needsStack, stackOf } from "../../tools/pulumi-cli";
import { ROOT } from "../harness";

describe("npm run pulumi: the CLI pass-through", () => {
  it("is the package.json script `pulumi`", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.match(pkg.scripts.pulumi, /tools\/pulumi-cli\.ts$/);
  });

  it("reads the stack from --stack X, --stack=X, -s X, -s=X and stack init/rm/select X", () => {
    assert.strictEqual(stackOf(["config", "set", "a", "b", "--stack", "local"]), "local");
    assert.strictEqual(stackOf(["stack", "rm", "--stack=dev", "--yes"]), "dev");
    assert.strictEqual(stackOf(["-s", "prod", "config"]), "prod");
    assert.strictEqual(stackOf(["-s=local"]), "local");
    assert.strictEqual(stackOf(["stack", "ls"]), undefined);
    assert.strictEqual(stackOf(["--cwd", "examples/consumer", "stack", "init", "local"]), "local");
    assert.strictEqual(stackOf(["stack", "rm", "local", "--yes"]), "local");
  });

  it("on --stack local: the project's file backend and the local passphrase, as the driver uses", () => {
    const env = cliEnv(["config", "set", "x", "y", "--stack", "local"], {});
    assert.strictEqual(env.PULUMI_BACKEND_URL, `file://${path.join(ROOT, DEFAULT_STATE_DIR)}`);
    assert.strictEqual(env.PULUMI_CONFIG_PASSPHRASE, LOCAL_PASSPHRASE);
  });

  it("keeps the user's own backend and passphrase", () => {
    const env = cliEnv(["stack", "ls", "--stack", "local"], { PULUMI_BACKEND_URL: "s3://b", PULUMI_CONFIG_PASSPHRASE: "mine" });
    assert.strictEqual(env.PULUMI_BACKEND_URL, "s3://b");
    assert.strictEqual(env.PULUMI_CONFIG_PASSPHRASE, undefined, "the user's own passphrase is left in the environment, not replaced");
  });

  it("without a stack (stack ls): the backend, and no passphrase", () => {
    const env = cliEnv(["stack", "ls"], {});
    assert.strictEqual(env.PULUMI_BACKEND_URL, `file://${path.join(ROOT, DEFAULT_STATE_DIR)}`);
    assert.ok(!("PULUMI_CONFIG_PASSPHRASE" in env));
  });

  it("refuses dev without a secrets provider of its own, as the driver does (exit 7)", () => {
    assert.throws(() => cliEnv(["config", "set", "x", "y", "--stack", "dev"], {}),
      (e: unknown) => e instanceof DriverError && e.exitCode === EXIT.secrets && /stack dev needs its own secrets provider/.test(e.message));
    assert.throws(() => cliEnv(["config", "--stack", "dev"], { PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE }),
      (e: unknown) => e instanceof DriverError && /the local dev passphrase is public/.test(e.message));
  });

  it("repeats the CLI's own --cwd/-C for the stack it may create", () => {
    assert.deepStrictEqual(cwdArgs(["--cwd", "examples/consumer", "config", "set", "a", "b"]), ["--cwd", "examples/consumer"]);
    assert.deepStrictEqual(cwdArgs(["-C=examples/consumer", "up"]), ["-C=examples/consumer"]);
    assert.deepStrictEqual(cwdArgs(["stack", "ls"]), []);
    assert.ok(needsStack(["--cwd", "examples/consumer", "config", "set", "a", "b", "--stack", "local"]));
  });

  it("creates a missing stack first only for `config` commands", () => {
    assert.ok(needsStack(["config", "set", "a", "b", "--stack", "local"]));
    assert.ok(needsStack(["--stack", "local", "config", "get", "a"]));
    assert.ok(!needsStack(["stack", "rm", "local", "--yes"]));
    assert.ok(!needsStack(["stack", "ls"]));
  });
});

describe("driver: why the official CLI download was not possible", () => {
  const url = "https://get.pulumi.com/install.sh";
  const netError = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(`getaddrinfo ${code}`), { code }) });

  it("names the host and the network error behind Node's bare 'fetch failed'", () => {
    assert.strictEqual(explainFetchError(url, netError("ENOTFOUND")),
      "get.pulumi.com does not resolve on this machine (ENOTFOUND): no internet here, or only package registries are reachable");
    assert.match(explainFetchError(url, netError("ECONNREFUSED")), /^get\.pulumi\.com refused the connection/);
    assert.match(explainFetchError(url, Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" })), /did not answer in time \(TimeoutError\)/);
    assert.strictEqual(explainFetchError(url, netError("EPROTO")), "get.pulumi.com: getaddrinfo EPROTO");
  });

  it("probes for real: a refused loopback port, an HTTP error status, and a reachable URL", async () => {
    const server = http.createServer((req, res) => { res.statusCode = req.url === "/ok" ? 200 : 403; res.end(); });
    await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      assert.strictEqual(await unreachableReason(`http://127.0.0.1:${port}/ok`), "");
      assert.strictEqual(await unreachableReason(`http://127.0.0.1:${port}/install.sh`), ` (127.0.0.1:${port} answers HTTP 403)`);
    } finally {
      await new Promise(r => server.close(r));
    }
    assert.strictEqual(await unreachableReason(`http://127.0.0.1:${port}/`), ` (127.0.0.1:${port} refused the connection (ECONNREFUSED))`);
  });
});
