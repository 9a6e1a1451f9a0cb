/**
 * Engine-backed, on a real API server: the driver applies the `cluster` stack (Pulumi.cluster.yaml,
 * the local profile with a kubeconfig) to the loopback control plane with simulated kwok nodes that
 * `.ci/cluster.sh start` runs, with every await of the Kubernetes provider on. Run by
 * .ci/integration.sh after .ci/run started that cluster; skipped, with the reason, when none runs.
 *
 * What kwok cannot prove: containers never start, so probes, connections and the migrations' own
 * work are not exercised (docs/cluster.md). What it does prove: the API server accepts, stores and
 * admits every object, controllers and the provider's awaits run for real, ordering holds.
 *
 * Order matters: up, checks of what is stored, no-change runs, drift, an image change, timings,
 * destroy last.
 */
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { EXIT, RunSummary, engineEnv, installedCliRoot, pinnedPulumiVersion } from "../../tools/driver";
import { runDriver } from "./driver-run";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "cluster";
const NAMESPACE = "scai-cluster";
/** The stack is not `local`: it brings a passphrase of its own (any will do, its secrets are throwaway). */
const PASSPHRASE = { PULUMI_CONFIG_PASSPHRASE: "itest-cluster" };
/** Top-level entries of the repo a copy of the project needs (node_modules is linked, not copied). */
const LEAVE_OUT = new Set([".git", "node_modules", "rendered", ".pulumi-state", "bin", "test", ".ci", ".github", ".scan", "policy"]);

interface Run {
  code: number;
  output: string;
  summary?: RunSummary;
  seconds: number;
}

/** What `.ci/cluster.sh env` exports: the kubeconfig, kubectl's cache folder, the binaries' folder. */
interface ClusterEnv {
  KUBECONFIG: string;
  KUBECACHEDIR: string;
  bin: string;
}

function clusterEnv(): ClusterEnv {
  const out = execFileSync("bash", [path.join(ROOT, ".ci", "cluster.sh"), "env"], { encoding: "utf8" });
  const get = (name: string) => out.match(new RegExp(`^export ${name}=(.*)$`, "m"))?.[1] ?? "";
  return { KUBECONFIG: get("KUBECONFIG"), KUBECACHEDIR: get("KUBECACHEDIR"), bin: get("PATH").replace(/:\$PATH$/, "") };
}

/** Why the suite cannot run here, or undefined when a cluster of .ci/cluster.sh answers. */
function whyNoCluster(env: ClusterEnv): string | undefined {
  if (!fs.existsSync(path.join(env.bin, "kube-apiserver"))) return `no cluster binaries in ${env.bin} (run .ci/cluster.sh build)`;
  try {
    execFileSync("bash", [path.join(ROOT, ".ci", "cluster.sh"), "status"], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `the cluster is not running (run .ci/cluster.sh start): ${String((e as { stdout?: Buffer }).stdout ?? "").trim().replace(/\n/g, "; ")}`;
  }
}

let work: string;
let backend: string;
let pulumi: PulumiCommand;
let kube: ClusterEnv;

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path.join(kube.bin, "kubectl"), args, { env: { ...process.env, KUBECONFIG: kube.KUBECONFIG, KUBECACHEDIR: kube.KUBECACHEDIR }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(Object.assign(new Error(`kubectl ${args.join(" ")}: ${stderr}`), { stderr })) : resolve(stdout)));
  });
}

/** `kubectl ... -o json`, parsed; nothing found (with --ignore-not-found) is an empty list. */
async function kubectlJson(...args: string[]): Promise<any> {
  const out = await kubectl(...args, "-o", "json");
  return out.trim() === "" ? { items: [] } : JSON.parse(out);
}

/** Runs the copy's driver as `npm run deploy` would, with `extra` in its environment. */
function driver(extra: Record<string, string>, ...args: string[]): Promise<Run> {
  // The stack's own kubeconfig, never an ambient one.
  return runDriver({ project: work, backend, pulumi, env: { KUBECONFIG: undefined, ...extra } }, ...args);
}

const onCluster = (...args: string[]) => driver(PASSPHRASE, ...args, "--stack", STACK);

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(pulumi.command, args, { cwd: work, env: { ...process.env, ...PASSPHRASE, ...engineEnv(STACK, { ...PASSPHRASE, PULUMI_BACKEND_URL: backend }, undefined) }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`pulumi ${args.join(" ")}: ${stderr}`)) : resolve(stdout)));
  });
}

function expectExit(run: Run, code: number, what: string) {
  assert.strictEqual(run.code, code, `${what}: exit ${run.code}, expected ${code}. Output:\n${run.output.slice(-6000)}`);
}

/** Sets keys of the copy's stack file for the rest of the suite; each key is a path into the structured value (`pulumi config set --path`). */
function setStackConfig(values: Record<string, unknown>) {
  const file = path.join(work, `Pulumi.${STACK}.yaml`);
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  doc.config = { ...(doc.config ?? {}) };
  for (const [k, v] of Object.entries(values)) {
    const [top, ...rest] = k.split(".");
    if (rest.length === 0) { doc.config[`scai-platform:${top}`] = v; continue; }
    let node = (doc.config[`scai-platform:${top}`] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] = v;
  }
  fs.writeFileSync(file, yaml.dump(doc));
}

/** The Kubernetes objects of the stack's state, as `<apiVersion> <kind> <namespace>/<name>`. */
async function stateObjects(): Promise<Array<{ urn: string; apiVersion: string; kind: string; namespace?: string; name: string }>> {
  const exported = JSON.parse(await cli(["stack", "export", "--stack", STACK]));
  return (exported.deployment.resources ?? [])
    .filter((r: any) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
    .map((r: any) => ({ urn: r.urn, apiVersion: r.outputs.apiVersion, kind: r.outputs.kind, namespace: r.outputs.metadata?.namespace, name: r.outputs.metadata?.name }));
}

/** kubectl's name for a kind in a group/version: `Deployment.v1.apps`, `Service` for the core group. */
const typeOf = (apiVersion: string, kind: string) => (apiVersion.includes("/") ? `${kind}.${apiVersion.split("/")[1]}.${apiVersion.split("/")[0]}` : kind);

/** Every stored object of the environment (the stack's objects), keyed `<kind> <namespace>/<name>`, with its uid. */
async function liveObjects(): Promise<Map<string, any>> {
  const objects = await stateObjects();
  const live = new Map<string, any>();
  // One kubectl call per kind and namespace: `kubectl get <type> <name>...`.
  const groups = new Map<string, string[]>();
  for (const o of objects) {
    const key = `${typeOf(o.apiVersion, o.kind)}|${o.namespace ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), o.name]);
  }
  for (const [key, names] of groups) {
    const [type, namespace] = key.split("|");
    const list = await kubectlJson("get", type, ...names, ...(namespace ? ["--namespace", namespace] : []), "--ignore-not-found", "--show-managed-fields");
    for (const item of list.items ?? (list.kind ? [list] : [])) live.set(`${item.kind} ${item.metadata.namespace ?? ""}/${item.metadata.name}`, item);
  }
  return live;
}

const time = (s: string) => Date.parse(s);

describe("the cluster stack on a real API server (kwok nodes)", function () {
  const timings: Record<string, number> = {};
  let upRun: Run;

  before(async function () {
    kube = clusterEnv();
    const why = whyNoCluster(kube);
    if (why !== undefined) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const root = installedCliRoot(pinnedPulumiVersion());
    pulumi = await PulumiCommand.get(root ? { root } : {});
    work = fs.mkdtempSync(path.join(os.tmpdir(), "scai-cluster-itest-"));
    for (const entry of fs.readdirSync(ROOT)) {
      if (LEAVE_OUT.has(entry)) continue;
      fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true, filter: src => path.basename(src) !== "node_modules" });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    fs.mkdirSync(path.join(work, "state"));
    backend = `file://${path.join(work, "state")}`;
    // The committed stack names ~/.cache/scai-kube/kubeconfig; SCAI_KUBE_HOME may have moved it.
    setStackConfig({ "kubernetes.kubeconfig": kube.KUBECONFIG });
    // A namespace left by an earlier, interrupted run would make every create fail.
    const left = await kubectl("get", "namespace", NAMESPACE, "--ignore-not-found", "-o", "name");
    assert.strictEqual(left.trim(), "", `namespace ${NAMESPACE} already exists on the cluster: restart it (.ci/cluster.sh stop; .ci/cluster.sh start)`);
    console.log(`      work dir ${work}, kubeconfig ${kube.KUBECONFIG}, ${pulumi.command} ${pulumi.version}`);
  });

  after(() => {
    if (process.env.SCAI_KEEP_ITEST_DIR !== "true" && work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("`up --stack cluster` applies all five systems to the API server, awaits on, and exits 0", async () => {
    upRun = await onCluster("up");
    timings.up = upRun.seconds;
    expectExit(upRun, EXIT.ok, "up");
    assert.ok(upRun.summary!.changes!.create > 100, `only ${upRun.summary!.changes!.create} resources created`);
    assert.strictEqual(upRun.summary!.renderedManifests, undefined, "the cluster stack rendered manifests instead of applying them");
    const systems = Object.keys((upRun.summary!.outputs as any).systems ?? {}).sort();
    assert.deepStrictEqual(systems, ["hridaai", "novitai", "rahcp", "scaidrive", "scaisend"]);
  });

  it("every Kubernetes object in the state is stored on the API server, in the environment's namespace", async () => {
    const objects = await stateObjects();
    const live = await liveObjects();
    const missing = objects.filter(o => !live.has(`${o.kind} ${o.namespace ?? ""}/${o.name}`)).map(o => `${o.kind} ${o.namespace}/${o.name}`);
    assert.deepStrictEqual(missing, []);
    assert.ok(objects.length > 100, `only ${objects.length} objects in the state`);
    assert.ok(objects.every(o => o.kind === "Namespace" || o.namespace === NAMESPACE), "an object outside the environment's namespace");
    const kinds = new Set(objects.map(o => o.kind));
    for (const kind of ["Namespace", "Deployment", "StatefulSet", "Job", "Service", "Ingress", "NetworkPolicy", "Secret", "ScaledObject", "PodDisruptionBudget"]) {
      assert.ok(kinds.has(kind), `no ${kind} stored (have ${[...kinds].sort().join(", ")})`);
    }
    console.log(`      ${objects.length} objects stored, ${kinds.size} kinds`);
  });

  it("each migration Job completed before the Deployments that run its image (API, workers) were created", async () => {
    const jobs = (await kubectlJson("get", "jobs", "--namespace", NAMESPACE, "-l", "app.kubernetes.io/component=migrate")).items;
    const systems = jobs.map((j: any) => j.metadata.labels["app.kubernetes.io/name"]).sort();
    assert.deepStrictEqual(systems, ["hridaai", "scaidrive", "scaisend"], "one migration Job per system that has a database schema");
    const deployments = (await kubectlJson("get", "deployments", "--namespace", NAMESPACE)).items;
    for (const job of jobs) {
      const system = job.metadata.labels["app.kubernetes.io/name"];
      assert.ok(job.status.completionTime, `${job.metadata.name} has not completed`);
      // The roles that share the migrated schema run the Job's image; helpers such as HridaAI's Tika
      // run their own image, need no migration and may start earlier.
      const image = job.spec.template.spec.containers[0].image;
      const own = deployments.filter((d: any) => d.metadata.labels["app.kubernetes.io/name"] === system && d.spec.template.spec.containers[0].image === image);
      assert.ok(own.some((d: any) => /^(api|web)$/.test(d.metadata.labels["app.kubernetes.io/component"])), `no API Deployment of ${system} runs ${image}`);
      for (const d of own) {
        assert.ok(time(job.status.completionTime) <= time(d.metadata.creationTimestamp),
          `${d.metadata.name} created ${d.metadata.creationTimestamp}, before ${job.metadata.name} completed ${job.status.completionTime}`);
      }
    }
  });

  it("the API server admits every Pod of ours under Pod Security `restricted`: all workloads ready, no refused Pod", async () => {
    const ns = await kubectlJson("get", "namespace", NAMESPACE);
    assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const deployments = (await kubectlJson("get", "deployments", "--namespace", NAMESPACE)).items;
    const sets = (await kubectlJson("get", "statefulsets", "--namespace", NAMESPACE)).items;
    assert.ok(deployments.length >= 5 && sets.length >= 3, `${deployments.length} Deployments, ${sets.length} StatefulSets`);
    for (const w of [...deployments, ...sets]) {
      assert.strictEqual(w.status.readyReplicas ?? 0, w.spec.replicas, `${w.kind} ${w.metadata.name}: ${w.status.readyReplicas ?? 0} of ${w.spec.replicas} ready`);
    }
    const refused = (await kubectlJson("get", "events", "--namespace", NAMESPACE, "--field-selector", "reason=FailedCreate")).items;
    assert.deepStrictEqual(refused.map((e: any) => `${e.involvedObject.name}: ${e.message}`), []);
    const claims = (await kubectlJson("get", "persistentvolumeclaims", "--namespace", NAMESPACE)).items;
    assert.ok(claims.length >= 3 && claims.every((c: any) => c.status.phase === "Bound"), `claims: ${claims.map((c: any) => `${c.metadata.name} ${c.status.phase}`).join(", ")}`);
  });

  it("a Pod that violates `restricted` is refused by the API server in that namespace", async () => {
    // What `kubectl run` makes: no securityContext at all (root allowed, privilege escalation, every capability).
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "unrestricted-probe", namespace: NAMESPACE }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } };
    const file = path.join(work, "privileged-pod.json");
    fs.writeFileSync(file, JSON.stringify(pod));
    const refused = await kubectl("create", "-f", file).then(() => undefined, (e: Error) => e.message);
    assert.ok(refused !== undefined, "a privileged Pod was admitted");
    assert.match(refused, /forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false.*runAsNonRoot != true/);
    assert.strictEqual((await kubectl("get", "pod", "unrestricted-probe", "--namespace", NAMESPACE, "--ignore-not-found", "-o", "name")).trim(), "");
  });

  it("`preview --expect-no-changes` right after up is clean", async () => {
    const run = await onCluster("preview", "--expect-no-changes");
    timings.preview = run.seconds;
    expectExit(run, EXIT.ok, "preview --expect-no-changes");
  });

  it("`refresh --expect-no-changes` right after up is clean: what the provider stored is what the API server holds", async () => {
    const run = await onCluster("refresh", "--expect-no-changes");
    timings.refresh = run.seconds;
    expectExit(run, EXIT.ok, "refresh --expect-no-changes");
  });

  it("kubectl edits (replicas, an env value, a label) are drift: `refresh --expect-no-changes` exits 6, `up` puts them back", async () => {
    // A Deployment the program gives a fixed replica count: no HorizontalPodAutoscaler nor KEDA
    // ScaledObject owns it (the program ignores replicas of those, on purpose).
    const scaled = new Set([
      ...(await kubectlJson("get", "horizontalpodautoscalers", "--namespace", NAMESPACE)).items,
      ...(await kubectlJson("get", "scaledobjects.keda.sh", "--namespace", NAMESPACE)).items,
    ].map((h: any) => h.spec.scaleTargetRef.name));
    const deployments = (await kubectlJson("get", "deployments", "--namespace", NAMESPACE)).items;
    const target = deployments.find((d: any) => !scaled.has(d.metadata.name) && (d.spec.template.spec.containers[0].env ?? []).some((e: any) => e.value !== undefined));
    assert.ok(target, "no Deployment without an autoscaler and with a literal env value");
    const name: string = target.metadata.name;
    const container = target.spec.template.spec.containers[0];
    const envVar = container.env.find((e: any) => e.value !== undefined);
    const want = { replicas: target.spec.replicas, env: envVar.value, label: target.metadata.labels["app.kubernetes.io/part-of"] };

    await kubectl("scale", "deployment", name, "--namespace", NAMESPACE, `--replicas=${want.replicas + 2}`);
    await kubectl("set", "env", `deployment/${name}`, "--namespace", NAMESPACE, "-c", container.name, `${envVar.name}=edited-by-hand`);
    await kubectl("label", "deployment", name, "--namespace", NAMESPACE, "--overwrite", "app.kubernetes.io/part-of=edited-by-hand");

    const drift = await onCluster("refresh", "--expect-no-changes");
    expectExit(drift, EXIT.changes, "refresh --expect-no-changes after kubectl edits");
    assert.match(drift.summary!.error!, /--expect-no-changes: the engine found changes on stack cluster/);

    const up = await onCluster("up");
    expectExit(up, EXIT.ok, "up after the drift");
    assert.ok(up.summary!.changes!.update >= 1, `up changed nothing: ${JSON.stringify(up.summary!.changes)}`);
    const after = await kubectlJson("get", "deployment", name, "--namespace", NAMESPACE);
    const afterEnv = after.spec.template.spec.containers.find((c: any) => c.name === container.name).env.find((e: any) => e.name === envVar.name);
    assert.deepStrictEqual(
      { replicas: after.spec.replicas, env: afterEnv?.value, label: after.metadata.labels["app.kubernetes.io/part-of"] },
      want, `deployment ${name} not put back`);
    expectExit(await onCluster("refresh", "--expect-no-changes"), EXIT.ok, "refresh --expect-no-changes after up");
  });

  it("an image change of one system rolls out a new migration Job first, replaces nothing else, keeps an autoscaled count", async () => {
    const before = await liveObjects();
    const oldJob = [...before.values()].find(o => o.kind === "Job" && o.metadata.labels["app.kubernetes.io/name"] === "scaidrive" && o.metadata.labels["app.kubernetes.io/component"] === "migrate");
    assert.ok(oldJob, "no ScaiDrive migration Job before the change");
    // As its HorizontalPodAutoscaler would (through the scale subresource; nothing scales by itself here):
    // the update must keep that count, although `up` applies with force.
    await kubectl("scale", "deployment", "scaidrive-api", "--namespace", NAMESPACE, "--replicas=3");
    setStackConfig({ "scaidrive.image": "scailabs/scaidrive:2.0.1" });

    const run = await onCluster("up");
    expectExit(run, EXIT.ok, "up with a new ScaiDrive image");
    assert.strictEqual(run.summary!.changes!.replace, 1, `replaced: ${JSON.stringify(run.summary!.changes)} (only the migration Job should be)`);
    assert.strictEqual(run.summary!.changes!.create + run.summary!.changes!.delete, 0, JSON.stringify(run.summary!.changes));

    const after = await liveObjects();
    const newJob = [...after.values()].find(o => o.kind === "Job" && o.metadata.labels["app.kubernetes.io/name"] === "scaidrive" && o.metadata.labels["app.kubernetes.io/component"] === "migrate");
    assert.ok(newJob && newJob.metadata.name !== oldJob.metadata.name, "no new migration Job");
    assert.ok(!after.has(`Job ${NAMESPACE}/${oldJob.metadata.name}`), "the old migration Job is still there");
    assert.strictEqual(newJob.spec.template.spec.containers[0].image, "scailabs/scaidrive:2.0.1");
    assert.ok(newJob.status.completionTime, "the new migration Job has not completed");

    // Everything else is the same object (same uid): updated in place where it changed at all.
    const replaced = [...after.entries()].filter(([k, o]) => before.has(k) && before.get(k).metadata.uid !== o.metadata.uid).map(([k]) => k);
    assert.deepStrictEqual(replaced, []);
    const drive = [...after.values()].filter(o => o.kind === "Deployment" && o.metadata.labels["app.kubernetes.io/name"] === "scaidrive");
    assert.ok(drive.length >= 2, "ScaiDrive's api and worker Deployments");
    for (const d of drive) {
      assert.strictEqual(d.spec.template.spec.containers[0].image, "scailabs/scaidrive:2.0.1", `${d.metadata.name} not rolled out`);
      assert.strictEqual(d.status.updatedReplicas, d.spec.replicas, `${d.metadata.name}: rollout not finished`);
      // The provider's last apply of the Deployment came after the new Job had completed.
      const applied = Math.max(...d.metadata.managedFields.filter((f: any) => /pulumi/.test(f.manager)).map((f: any) => time(f.time)));
      assert.ok(time(newJob.status.completionTime) <= applied, `${d.metadata.name} updated before ${newJob.metadata.name} completed`);
    }
    assert.strictEqual(after.get(`Deployment ${NAMESPACE}/scaidrive-api`).spec.replicas, 3, "the autoscaled API lost its autoscaler's count");
    const others = [...after.values()].filter(o => o.kind === "Deployment" && o.metadata.labels["app.kubernetes.io/name"] !== "scaidrive");
    assert.ok(others.every(o => o.metadata.generation === before.get(`Deployment ${NAMESPACE}/${o.metadata.name}`).metadata.generation),
      "another system's Deployment changed");
  });

  it("prints the wall time of `up` and `preview` on the cluster beside render mode (stack local)", async () => {
    const renderUp = await driver({}, "up", "--stack", "local");
    expectExit(renderUp, EXIT.ok, "up --stack local (render)");
    const renderPreview = await driver({}, "preview", "--stack", "local");
    expectExit(renderPreview, EXIT.ok, "preview --stack local (render)");
    expectExit(await driver({}, "destroy", "--stack", "local"), EXIT.ok, "destroy --stack local");
    console.log(`      wall time, cluster vs render: up ${timings.up.toFixed(1)} s vs ${renderUp.seconds.toFixed(1)} s; ` +
      `preview ${timings.preview.toFixed(1)} s vs ${renderPreview.seconds.toFixed(1)} s; refresh on the cluster ${timings.refresh.toFixed(1)} s`);
    assert.ok(timings.up > 0 && renderUp.seconds > 0);
  });

  it("`destroy` leaves no object of the environment: namespace, claims and their volumes gone", async () => {
    const claims = (await kubectlJson("get", "persistentvolumeclaims", "--namespace", NAMESPACE)).items;
    const volumes = claims.map((c: any) => c.spec.volumeName);
    assert.ok(volumes.length >= 3, "no bound volumes before destroy");
    const run = await onCluster("destroy");
    timings.destroy = run.seconds;
    expectExit(run, EXIT.ok, "destroy");
    const exported = JSON.parse(await cli(["stack", "export", "--stack", STACK]));
    assert.deepStrictEqual(exported.deployment.resources ?? [], []);
    assert.strictEqual((await kubectl("get", "namespace", NAMESPACE, "--ignore-not-found", "-o", "name")).trim(), "");
    // Claims go with the namespace; their kwok-volume volumes (reclaim policy Delete) with them.
    let left: string[] = [];
    for (let i = 0; i < 30; i++) {
      const pvs = (await kubectlJson("get", "persistentvolumes")).items;
      left = pvs.filter((v: any) => v.spec.claimRef?.namespace === NAMESPACE || volumes.includes(v.metadata.name)).map((v: any) => v.metadata.name);
      if (left.length === 0) break;
      await new Promise(r => setTimeout(r, 1000));
    }
    assert.deepStrictEqual(left, []);
    console.log(`      destroy ${timings.destroy.toFixed(1)} s`);
  });
});
