/**
 * Systems are components: two ScaiDrive tenants in one environment, `drive-a` and `drive-b`, as a
 * program using the platform's components would create them. Each gets its own database, Redis,
 * bucket, hostname, Secrets and Kubernetes objects; nothing is shared and no selector of one
 * reaches the other's pods.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../platform/environment";
import { environmentBase } from "../../platform/platform";
import { ScaiDrive, SystemName, scaidriveSystem, settingsFor, systemDefinition } from "@scai/platform-components";
import { Captured, envOf, evaluate, evaluateStack, manifests, output, podSpecs, selects, stackSource } from "../harness";

const TENANTS = ["drive-a", "drive-b"] as const;

/** Evaluates `stack`'s environment with two ScaiDrive instances and nothing else. */
async function twoTenants(stack: string) {
  const env = loadEnvironment(stackSource(stack));
  const { result, resources } = await evaluate(stack, () => {
    const { context, opts } = environmentBase(env);
    return TENANTS.map(name => new ScaiDrive(name, { context, settings: env.systems.scaidrive! }, opts));
  });
  const drives = await Promise.all(result.map(async d => ({
    url: d.url, secretName: await output(d.secretName), bucket: await output(d.bucket),
    databaseHost: await output(d.databaseHost), redisHost: await output(d.redisHost),
  })));
  return { env, resources, drives };
}

/** Every resource registered under the component named `tenant` (its descendants, by parent URN). */
function under(resources: Captured[], tenant: string, typePrefix = "scai:system:ScaiDrive"): Captured[] {
  const root = resources.find(r => r.type.startsWith(typePrefix) && r.name === tenant)!;
  const inside = new Set([root.urn]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of resources) {
      if (r.parent && inside.has(r.parent) && !inside.has(r.urn)) { inside.add(r.urn); grew = true; }
    }
  }
  return resources.filter(r => inside.has(r.urn) && r.urn !== root.urn);
}

/** Physical names a resource claims: Kubernetes metadata names (with kind) and cloud names. */
function physicalNames(r: Captured): string[] {
  const i = r.inputs ?? {};
  const names: string[] = [];
  if (i.metadata?.name) names.push(`${i.kind}/${i.metadata.namespace ?? ""}/${i.metadata.name}`);
  for (const key of ["identifier", "replicationGroupId", "bucket", "name", "dbName", "username"]) {
    if (typeof i[key] === "string" && !r.type.startsWith("kubernetes:")) names.push(`${r.type}:${key}=${i[key]}`);
  }
  return names;
}

for (const stack of ["local", "dev"]) {
  describe(`two ScaiDrive instances in one environment (${stack})`, () => {
    let resources: Captured[];
    let drives: Awaited<ReturnType<typeof twoTenants>>["drives"];
    let domain: string;

    before(async () => {
      const r = await twoTenants(stack);
      ({ resources, drives } = r);
      domain = r.env.domain;
    });

    it("register without a URN collision, each tree under its own component", () => {
      const urns = resources.map(r => r.urn);
      assert.deepStrictEqual(urns.filter((u, i) => urns.indexOf(u) !== i), []);
      for (const tenant of TENANTS) assert.ok(under(resources, tenant).length > 20, `${tenant} registered its children`);
    });

    it("claim disjoint physical names, every one derived from the instance's own name", () => {
      const [a, b] = TENANTS.map(t => under(resources, t).flatMap(physicalNames));
      assert.deepStrictEqual(a.filter(n => b.includes(n)), []);
      const k8sNames = (list: string[]) => list.filter(n => !n.startsWith("aws:") && !n.startsWith("random:")).map(n => n.split("/")[2]);
      for (const [tenant, list] of [[TENANTS[0], a], [TENANTS[1], b]] as const) {
        const stray = k8sNames(list).filter(n => !n.startsWith(`${tenant}-`));
        assert.deepStrictEqual(stray, [], `${tenant}'s Kubernetes objects are named from ${tenant}`);
      }
    });

    it("get their own database, Redis, bucket, Secret and hostname", () => {
      const [a, b] = drives;
      assert.deepStrictEqual([a.url, b.url], [`https://drive-a.${domain}`, `https://drive-b.${domain}`]);
      for (const key of ["secretName", "bucket", "databaseHost", "redisHost"] as const) {
        assert.notStrictEqual(a[key], b[key], key);
        assert.match(a[key], /drive-a/, `${key} ${a[key]}`);
        assert.match(b[key], /drive-b/, `${key} ${b[key]}`);
      }
    });

    it("run pods that read only their own Secret and bucket", () => {
      for (const [i, tenant] of TENANTS.entries()) {
        const pods = podSpecs(under(resources, tenant)).filter(p => p.kind === "Deployment" || p.kind === "Job");
        assert.ok(pods.length >= 4, `${tenant} has api, workers and migrate`);
        for (const p of pods) {
          const env = envOf(p.spec.containers[0]);
          const refs = [...new Set(Object.values(env).flatMap((v: any) => (v?.secretKeyRef ? [v.secretKeyRef.name] : [])))];
          if (env.SCAIDRIVE_DATABASE_URL === undefined) {
            // The data plane's own pods (the in-cluster object store's setup Job): the instance's Secrets only.
            assert.deepStrictEqual(refs.filter(r => !r.startsWith(`${tenant}-`)), [], p.owner);
            continue;
          }
          assert.deepStrictEqual(refs, [drives[i].secretName], `${p.owner} reads only ${drives[i].secretName}`);
          assert.strictEqual(env.SCAIDRIVE_S3_BUCKET, drives[i].bucket, p.owner);
        }
      }
    });

    it("select only their own pods (Services, PodDisruptionBudgets, NetworkPolicies)", () => {
      const podsOf = (tenant: string) => podSpecs(under(resources, tenant)).map(p => p.labels);
      for (const [mine, theirs] of [[TENANTS[0], TENANTS[1]], [TENANTS[1], TENANTS[0]]]) {
        const objects = manifests(under(resources, mine));
        const selectors = [
          ...objects.filter(o => o.kind === "Service").map(o => o.spec.selector),
          ...objects.filter(o => o.kind === "PodDisruptionBudget").map(o => o.spec.selector.matchLabels),
          ...objects.filter(o => o.kind === "NetworkPolicy").map(o => o.spec.podSelector.matchLabels),
        ].filter(s => s && Object.keys(s).length > 0);
        assert.ok(selectors.length > 5, `${mine} has selectors`);
        for (const s of selectors) {
          for (const labels of podsOf(theirs)) assert.ok(!selects(s, labels), `${mine}'s selector ${JSON.stringify(s)} reaches ${theirs}'s pod`);
        }
      }
    });
  });
}

describe("settingsFor: a system's settings outside a stack", () => {
  const check = { profile: "dev" as const, project: "tenants", domain: "example.org" };

  it("fills the profile's defaults under the given values", () => {
    const s = settingsFor(scaidriveSystem, { image: "scailabs/scaidrive:1.4.2", api: { replicas: 2 } }, check);
    assert.strictEqual(s.api.replicas, 2);
    assert.strictEqual(s.api.maxReplicas, 20, "dev's default");
    assert.deepStrictEqual(s.workers.queues, ["high", "medium", "low"]);
    assert.strictEqual(settingsFor(scaidriveSystem, {}, { ...check, profile: "local" }).api.maxReplicas, 3, "local's default");
  });

  it("refuses bad values and failed checks in one error naming each key, value and what is allowed", () => {
    assert.throws(() => settingsFor(scaidriveSystem, { image: "scailabs/scaidrive:latest", api: { replicas: 0, minReplicas: 5, maxReplicas: 2 } }, { ...check, profile: "prod" }),
      (e: Error) => {
        assert.match(e.message, /^Invalid scaidrive settings:/);
        assert.match(e.message, /tenants:scaidrive\.api\.replicas must be an integer >= 1 \(got 0\)/);
        return true;
      });
    assert.throws(() => settingsFor(scaidriveSystem, { image: "scailabs/scaidrive:latest", api: { minReplicas: 5, maxReplicas: 2 } }, { ...check, profile: "prod" }),
      (e: Error) => /scaidrive\.image must be pinned on prod.*\n.*api\.maxReplicas must be >= api\.minReplicas \(5\) \(got 2\)/s.test(e.message));
  });
});

describe("two instances of every system prod deploys, in one environment (images built into ECR)", () => {
  const kinds = Object.keys(loadEnvironment(stackSource("prod")).systems) as SystemName[];
  let resources: Captured[];

  before(async () => {
    // A build context per kind on disk: <root>/<kind>/Dockerfile.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "scai-contexts-"));
    for (const kind of kinds) {
      fs.mkdirSync(path.join(root, kind));
      fs.writeFileSync(path.join(root, kind, "Dockerfile"), "FROM scratch\n");
    }
    const env = loadEnvironment(stackSource("prod", { "images.build": JSON.stringify(kinds), "images.contextRoot": root }));
    ({ resources } = await evaluate("prod", () => {
      const { context, opts } = environmentBase(env);
      for (const kind of kinds) {
        for (const suffix of ["a", "b"]) systemDefinition(kind).deploy(`${kind}-${suffix}`, { context, settings: env.systems[kind] }, opts);
      }
    }));
  });

  it("register no URN twice", () => {
    const urns = resources.map(r => r.urn);
    assert.deepStrictEqual(urns.filter((u, i) => urns.indexOf(u) !== i), []);
    assert.ok(resources.some(r => r.type === "aws:ecr/repository:Repository" && r.name === "scai-prod-scaidrive-b"), "each instance builds into its own repository");
  });

  for (const kind of kinds) {
    it(`${kind}: the two claim no physical name or public host in common`, () => {
      const [a, b] = ["a", "b"].map(s => under(resources, `${kind}-${s}`, `scai:system:`).flatMap(physicalNames));
      assert.ok(a.length > 5 && b.length > 5, `${a.length} and ${b.length} names`);
      assert.deepStrictEqual(a.filter(n => b.includes(n)), []);
      const hosts = (tenant: string) => manifests(under(resources, tenant, "scai:system:")).filter(o => o.kind === "Ingress").flatMap(o => o.spec.rules.map((r: any) => r.host));
      assert.deepStrictEqual(hosts(`${kind}-a`).filter(h => hosts(`${kind}-b`).includes(h)), []);
    });
  }

  it("an instance name no derived name can carry is refused before anything is registered", () => {
    assert.throws(() => systemDefinition("scaidrive").deploy("a-very-long-tenant-name", {} as never), /system instance name "a-very-long-tenant-name" must be a DNS label starting with a letter, at most 16 characters/);
    assert.throws(() => systemDefinition("novitai").deploy("1st", {} as never), /must be a DNS label starting with a letter/);
  });
});

// Selectors are immutable: a changed one replaces the Deployment or StatefulSet (and its volumes'
// claims), which the URN snapshots do not see. The environment's own instances are named after their
// kind, so every workload's selector must say that kind, and that kind in this environment.
describe("the environment's own instances keep their selectors", () => {
 for (const stack of ["local", "dev", "prod"]) {
  it(`${stack}: every workload selects app.kubernetes.io/name <kind> and instance <kind>-${stack}, its name's first word`, async () => {
    const workloads = manifests((await evaluateStack(stack)).resources).filter(o => o.kind === "Deployment" || o.kind === "StatefulSet");
    assert.ok(workloads.length > 10, `${workloads.length} workloads`);
    const wrong = workloads.filter(o => {
      const kind = o.metadata.name.split("-")[0];
      const m = o.spec.selector.matchLabels;
      return m["app.kubernetes.io/name"] !== kind || m["app.kubernetes.io/instance"] !== `${kind}-${stack}`;
    });
    assert.deepStrictEqual(wrong.map(o => `${o.kind}/${o.metadata.name}: ${JSON.stringify(o.spec.selector.matchLabels)}`), []);
  });
}
});
