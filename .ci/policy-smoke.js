#!/usr/bin/env node
/**
 * Proves the policy pack loads and answers as the Pulumi CLI would use it, without the CLI:
 * starts `policy/` through @pulumi/pulumi's run-policy-pack (TypeScript, type-checked by ts-node,
 * exactly the analyzer host's path), then over gRPC asks for its policies and has it analyze a
 * Deployment with hostNetwork and a Namespace without a default-deny policy.
 * Usage: node .ci/policy-smoke.js [stack...]   (default: dev prod). Exit 1 on any surprise.
 */
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const dir = path.resolve(__dirname, "../policy");
const load = m => require(require.resolve(m, { paths: [dir] }));
const grpc = load("@grpc/grpc-js");
const pb = load("@pulumi/pulumi/proto/analyzer_pb");
const rpc = load("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = load("google-protobuf/google/protobuf/struct_pb");
const { Empty } = load("google-protobuf/google/protobuf/empty_pb");

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function startPack(stack) {
  const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] }), "127.0.0.1:0", "."], {
    cwd: dir,
    env: { ...process.env, PULUMI_NODEJS_STACK: stack, PULUMI_NODEJS_PROJECT: "scai-platform", PULUMI_CONFIG: "{}" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", d => {
      out += d;
      const m = out.match(/^(\d+)\s*$/m);
      if (m) resolve({ child, port: m[1] });
    });
    child.on("exit", code => reject(new Error(`policy pack exited with ${code} before serving`)));
  });
}

const call = (client, method, req) => new Promise((resolve, reject) => client[method](req, (err, res) => (err ? reject(err) : resolve(res))));

function options() {
  return new pb.AnalyzerResourceOptions().setCustomtimeouts(new pb.AnalyzerResourceOptions.CustomTimeouts());
}

function analyzeRequest(type, name, props) {
  return new pb.AnalyzeRequest().setType(type).setName(name).setUrn(`urn:pulumi:smoke::scai-platform::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props)).setOptions(options());
}

function stackResource(type, name, props) {
  return new pb.AnalyzerResource().setType(type).setName(name).setUrn(`urn:pulumi:smoke::scai-platform::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props)).setOptions(options());
}

const hostNetworkApi = {
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "scai-smoke" },
  spec: {
    replicas: 1, selector: { matchLabels: { "app.kubernetes.io/component": "api" } },
    template: {
      metadata: { labels: { "app.kubernetes.io/component": "api" } },
      spec: { hostNetwork: true, containers: [{ name: "api", image: "scailabs/app:1.0.0" }] },
    },
  },
};

async function check(stack) {
  const { child, port } = await startPack(stack);
  const problems = [];
  try {
    const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const info = await call(client, "getAnalyzerInfo", new Empty());
    const policies = info.getPoliciesList().map(p => ({ name: p.getName(), level: LEVELS[p.getEnforcementlevel()] }));
    const wanted = stack === "prod" ? "mandatory" : "advisory";
    const wrong = policies.filter(p => p.level !== wanted);
    if (policies.length === 0 || wrong.length) problems.push(`expected every policy ${wanted}; got ${JSON.stringify(wrong)}`);

    const res = await call(client, "analyze", analyzeRequest("kubernetes:apps/v1:Deployment", "api", hostNetworkApi));
    const diags = res.getDiagnosticsList().map(d => `${d.getPolicyname()} (${LEVELS[d.getEnforcementlevel()]}): ${d.getMessage()}`);
    if (!diags.some(d => d.startsWith(`k8s-host-network-smtp-only (${wanted})`))) problems.push(`analyze did not report hostNetwork: ${JSON.stringify(diags)}`);

    const ns = stackResource("kubernetes:core/v1:Namespace", "scai-smoke", { apiVersion: "v1", kind: "Namespace", metadata: { name: "scai-smoke" } });
    const stackRes = await call(client, "analyzeStack", new pb.AnalyzeStackRequest().setResourcesList([ns]));
    const stackDiags = stackRes.getDiagnosticsList().map(d => `${d.getPolicyname()}: ${d.getMessage()}`);
    if (!stackDiags.some(d => d.startsWith("k8s-namespace-default-deny:") && d.includes("namespace scai-smoke has no default-deny NetworkPolicy"))) problems.push(`analyzeStack did not report default-deny: ${JSON.stringify(stackDiags)}`);

    console.log(`policy pack on ${stack}: ${policies.length} policies, all ${wanted}; analyze -> ${diags.length} diagnostic(s), analyzeStack -> ${stackDiags.length}`);
    client.close();
  } finally {
    child.kill();
  }
  return problems;
}

(async () => {
  const stacks = process.argv.slice(2).length ? process.argv.slice(2) : ["dev", "prod"];
  let failed = false;
  for (const stack of stacks) {
    for (const p of await check(stack)) { console.error(`policy pack on ${stack}: ${p}`); failed = true; }
  }
  process.exit(failed ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
