/**
 * Invariants of the whole program, evaluated for each committed stack: every object is valid,
 * wired to what exists, hardened, isolated, and keeps its secrets in Secrets.
 */
import * as assert from "assert";
import { validateManifest } from "../k8s-schema";
import {
  Captured, evaluateStack, generatedSecrets, isSecretValue, manifests, ofKind, podSpecs, selects,
} from "../harness";
import { NO_PROBES_ANNOTATION as POLICY_NO_PROBES, restrictedViolations } from "../../policy/rules/kubernetes";
import { NO_PROBES_ANNOTATION } from "@scai/platform-components";

const STACKS = ["local", "dev", "prod"] as const;

/** Resource types whose inputs are meant to hold a generated secret. */
const SECRET_HOLDERS = new Set([
  "kubernetes:core/v1:Secret",
  "random:index/randomPassword:RandomPassword",
  // A managed service must hold its own credential, and the mirror holds a copy of the Secret;
  // each must receive it as a secret (asserted below).
  "aws:rds/instance:Instance",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:secretsmanager/secretVersion:SecretVersion",
]);

/** Env var names that carry credentials and so must come from a Secret. */
const SENSITIVE_ENV = /SECRET|PASSWORD|TOKEN|(^|_)KEY$|API_KEY|(DATABASE|REDIS|DB)_URL$/;

const CONTROLLERS = ["Deployment", "StatefulSet"];

function controllers(resources: Captured[]) {
  return manifests(resources).filter(m => CONTROLLERS.includes(m.kind));
}

for (const stack of STACKS) {
  describe(`whole program on the ${stack} stack`, () => {
    let resources: Captured[];
    let namespace: string;

    before(async () => {
      const r = await evaluateStack(stack);
      resources = r.resources;
      namespace = r.env.namespace;
    });

    it("every Kubernetes object validates against the Kubernetes (and KEDA) schema", () => {
      const all = manifests(resources);
      assert.ok(all.length > 20, `only ${all.length} objects`);
      for (const m of all) {
        assert.doesNotThrow(() => validateManifest(m), `${m.kind} ${m.metadata?.name}`);
      }
    });

    it("every namespaced object lives in the environment's own namespace", () => {
      for (const m of manifests(resources).filter(x => x.kind !== "Namespace")) {
        assert.strictEqual(m.metadata.namespace, namespace, `${m.kind} ${m.metadata.name}`);
      }
      assert.deepStrictEqual(ofKind(resources, "Namespace").map(n => n.metadata.name), [namespace]);
    });

    it("every Service selects the pods of exactly one controller and targets a container port they name", () => {
      for (const svc of ofKind(resources, "Service")) {
        const targets = controllers(resources).filter(c => selects(svc.spec.selector, c.spec.template.metadata.labels));
        assert.strictEqual(targets.length, 1, `Service ${svc.metadata.name} selects ${targets.length} controllers`);
        const portNames = targets[0].spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
        for (const p of svc.spec.ports) {
          assert.ok(portNames.includes(p.targetPort), `Service ${svc.metadata.name} targets ${p.targetPort}; pods name ${portNames}`);
        }
      }
    });

    it("every controller's selector matches its own pod labels", () => {
      for (const c of controllers(resources)) {
        assert.ok(selects(c.spec.selector.matchLabels, c.spec.template.metadata.labels), c.metadata.name);
      }
    });

    it("every PodDisruptionBudget, HPA and ScaledObject targets a workload that exists", () => {
      const deployments = ofKind(resources, "Deployment");
      for (const pdb of ofKind(resources, "PodDisruptionBudget")) {
        const matched = controllers(resources).filter(c => selects(pdb.spec.selector.matchLabels, c.spec.template.metadata.labels));
        assert.strictEqual(matched.length, 1, `PDB ${pdb.metadata.name} matches ${matched.length} controllers`);
      }
      for (const t of [...ofKind(resources, "HorizontalPodAutoscaler"), ...ofKind(resources, "ScaledObject")]) {
        const ref = t.spec.scaleTargetRef;
        assert.ok(deployments.some(d => d.metadata.name === ref.name), `${t.kind} ${t.metadata.name} targets missing ${ref.name}`);
      }
    });

    it("every pod spec meets Pod Security Standards restricted, and only SMTP uses the host network", () => {
      for (const p of podSpecs(resources)) {
        const violations = restrictedViolations({ spec: p.spec, labels: p.labels, annotations: p.annotations, longLived: p.kind !== "Job" });
        assert.deepStrictEqual(violations, [], `${p.kind} ${p.owner}`);
        if (p.spec.hostNetwork) assert.strictEqual(p.labels["app.kubernetes.io/component"], "smtp", `${p.owner} uses hostNetwork`);
      }
    });

    it("every long-lived container has requests, limits, and probes or a stated reason for none", () => {
      for (const p of podSpecs(resources).filter(x => x.kind !== "Job")) {
        for (const c of p.spec.containers) {
          const r = c.resources ?? {};
          for (const k of ["cpu", "memory"]) {
            assert.ok(r.requests?.[k] && r.limits?.[k], `${p.owner}/${c.name} ${k} request and limit`);
          }
          const reason = p.annotations[NO_PROBES_ANNOTATION];
          assert.ok((c.livenessProbe && c.readinessProbe) || (reason && reason.length > 10), `${p.owner}/${c.name} probes`);
        }
      }
    });

    it("no generated secret appears outside a Secret", () => {
      const secrets = generatedSecrets(resources);
      assert.ok(secrets.length >= 2, "expected generated secrets");
      for (const r of resources.filter(x => !SECRET_HOLDERS.has(x.type))) {
        const text = JSON.stringify(r.inputs);
        for (const s of secrets) assert.ok(!text.includes(s), `${r.type} ${r.name} holds a generated secret`);
      }
      for (const r of resources.filter(x => SECRET_HOLDERS.has(x.type))) {
        for (const [key, value] of Object.entries(r.inputs)) {
          if (secrets.some(s => JSON.stringify(value).includes(s))) {
            assert.ok(isSecretValue(r.rawInputs[key]), `${r.type} ${r.name} receives ${key} in plain text`);
          }
        }
      }
    });

    it("credentials reach pods only through secretKeyRef", () => {
      for (const p of podSpecs(resources)) {
        for (const c of p.spec.containers) {
          for (const e of c.env ?? []) {
            // A boolean is a feature switch, not a credential (HridaAI's ENABLE_OAUTH_ID_TOKEN_COOKIE=false).
            if (SENSITIVE_ENV.test(e.name) && !/^(true|false)$/.test(e.value ?? "")) {
              assert.ok(e.valueFrom?.secretKeyRef, `${p.owner}/${c.name} ${e.name} is set in plain text`);
            }
          }
        }
      }
    });

    it("the namespace denies all traffic by default and every pod has its own NetworkPolicy", () => {
      const policies = ofKind(resources, "NetworkPolicy");
      const deny = policies.find(n => n.metadata.name === "default-deny");
      assert.deepStrictEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      for (const p of podSpecs(resources)) {
        const own = policies.filter(n => Object.keys(n.spec.podSelector.matchLabels ?? {}).length > 0 &&
          selects(n.spec.podSelector.matchLabels, p.labels));
        assert.ok(own.length >= 1, `${p.kind} ${p.owner} has no NetworkPolicy of its own`);
      }
    });

    it("Ingress backends are Services that exist, on ports they expose", () => {
      const services = ofKind(resources, "Service");
      for (const ing of ofKind(resources, "Ingress")) {
        assert.ok(ing.spec.tls?.length > 0, `${ing.metadata.name} has no TLS`);
        for (const path of ing.spec.rules.flatMap((r: any) => r.http.paths)) {
          const svc = services.find(s => s.metadata.name === path.backend.service.name);
          assert.ok(svc, `${ing.metadata.name} routes ${path.path} to missing ${path.backend.service.name}`);
          assert.ok(svc.spec.ports.some((p: any) => p.name === path.backend.service.port.name), `${ing.metadata.name} ${path.path} port`);
        }
      }
    });
  });
}

describe("the policy pack and the components agree", () => {
  it("on the annotation that excuses a container from probes", () => {
    assert.strictEqual(POLICY_NO_PROBES, NO_PROBES_ANNOTATION);
  });
});

describe("environments share nothing", () => {
  /** Physical names a stack creates: namespaces, bucket names, and AWS resource names. */
  function physicalNames(resources: Captured[]): Set<string> {
    const names = new Set<string>();
    for (const m of manifests(resources)) {
      names.add(`namespace ${m.metadata.namespace ?? m.metadata.name}`);
      for (const c of m.spec?.template?.spec?.containers ?? []) {
        for (const e of c.env ?? []) if (/BUCKET/.test(e.name) && e.value) names.add(`bucket ${e.value}`);
      }
    }
    for (const r of resources.filter(x => x.type.startsWith("aws:"))) {
      for (const k of ["bucket", "identifier", "name", "replicationGroupId", "roleName", "repositoryName"]) {
        if (typeof r.inputs[k] === "string") names.add(`${r.type} ${r.inputs[k]}`);
      }
    }
    return names;
  }

  it("dev and prod have no namespace, bucket or cloud resource name in common", async () => {
    const dev = physicalNames((await evaluateStack("dev")).resources);
    const prod = physicalNames((await evaluateStack("prod")).resources);
    assert.ok(dev.size > 1 && prod.size > 1);
    assert.deepStrictEqual([...dev].filter(n => prod.has(n)), []);
  });
});
