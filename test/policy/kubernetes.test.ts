import * as assert from "assert";
import { NO_PROBES_ANNOTATION as COMPONENT_ANNOTATION } from "@scai/platform-components";
import {
  NO_PROBES_ANNOTATION, hostNetworkSmtpOnly, imageTag, longLivedProbes, longLivedResources, namespaceDefaultDeny,
  noNodePortOnProd, noPlaintextSecretEnv, pdbForReplicatedDeployments, pinnedImagesOnProd, podSecurityRestricted,
} from "../../policy/rules/kubernetes";
import { PROD, deployment, job, pod, resource, violations, withContainer } from "./fixtures";

const SMTP_LABELS = { "app.kubernetes.io/name": "scaisend", "app.kubernetes.io/component": "smtp" };

describe("policy: Kubernetes rules", () => {
  describe("k8s-pod-security-restricted", () => {
    it("passes a pod built by hardenedPodSpec", () => {
      assert.deepStrictEqual(violations(podSecurityRestricted, [deployment("api", pod()), job("migrate", pod())]), []);
    });

    it("names each restricted-profile breach of a root, escalating pod with a hostPath volume", () => {
      const spec = withContainer(pod(), c => {
        c.securityContext = { ...c.securityContext, runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } };
      });
      spec.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
      spec.automountServiceAccountToken = undefined;
      assert.deepStrictEqual(violations(podSecurityRestricted, [deployment("api", spec)]), [
        "api: the service-account token is mounted (automountServiceAccountToken is not false)",
        "api: volume docker is of type hostPath",
        "api: container app: allowPrivilegeEscalation is not false",
        "api: container app: adds capabilities SYS_ADMIN",
        "api: container app: runAsNonRoot is not true",
        "api: container app: runAsUser is 0",
      ]);
    });

    it("flags a hostPort, except the SMTP pod's hostNetwork port (defaulted to its containerPort)", () => {
      const spec = withContainer(pod(), c => { c.ports = [{ name: "smtp", containerPort: 25, hostPort: 25 }]; });
      assert.deepStrictEqual(violations(podSecurityRestricted, [deployment("api", spec)]), ["api: container app: uses hostPort 25"]);
      const smtp = withContainer(pod({ hostNetwork: true }), c => { c.ports = [{ name: "smtp", containerPort: 25, hostPort: 25 }]; });
      assert.deepStrictEqual(violations(podSecurityRestricted, [deployment("smtp", smtp, { labels: SMTP_LABELS })]), []);
    });
  });

  describe("k8s-long-lived-probes", () => {
    it("uses the annotation the components write", () => {
      assert.strictEqual(NO_PROBES_ANNOTATION, COMPONENT_ANNOTATION);
    });

    it("passes a Deployment with liveness and readiness probes, and a Job without any", () => {
      assert.deepStrictEqual(violations(longLivedProbes, [deployment("api", pod()), job("migrate", pod({ withProbes: false }))]), []);
    });

    it("flags a Deployment without probes and without a reason", () => {
      assert.deepStrictEqual(violations(longLivedProbes, [deployment("worker", pod({ withProbes: false }))]), [
        `worker: container app has no liveness or readiness probe and the pod has no ${NO_PROBES_ANNOTATION} annotation`,
      ]);
    });

    it("exempts a pod whose no-probes annotation gives a reason, but not an empty one", () => {
      const reasoned = deployment("worker", pod({ withProbes: false }), { annotations: { [NO_PROBES_ANNOTATION]: "ARQ worker has no listener" } });
      const blank = deployment("worker", pod({ withProbes: false }), { annotations: { [NO_PROBES_ANNOTATION]: "  " } });
      assert.deepStrictEqual(violations(longLivedProbes, [reasoned]), []);
      assert.strictEqual(violations(longLivedProbes, [blank]).length, 1);
    });

    it("flags a StatefulSet missing only its readiness probe", () => {
      const spec = withContainer(pod(), c => { delete c.readinessProbe; });
      const sts = resource("kubernetes:apps/v1:StatefulSet", "db", { kind: "StatefulSet", metadata: { name: "db" }, spec: { template: { metadata: {}, spec } } });
      assert.deepStrictEqual(violations(longLivedProbes, [sts]), [`db: container app has no readiness probe and the pod has no ${NO_PROBES_ANNOTATION} annotation`]);
    });
  });

  describe("k8s-long-lived-resources", () => {
    it("passes requests and limits for CPU and memory", () => {
      assert.deepStrictEqual(violations(longLivedResources, [deployment("api", pod())]), []);
    });

    it("flags each missing request and limit", () => {
      const spec = withContainer(pod(), c => { c.resources = { requests: { cpu: "100m" } }; });
      assert.deepStrictEqual(violations(longLivedResources, [deployment("api", spec)]), [
        "api: container app has no requests.memory, limits.cpu, limits.memory",
      ]);
    });
  });

  describe("k8s-pdb-for-replicated-deployments", () => {
    const labels = { "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": "api" };
    const pdb = (namespace: string, selector: any) => resource("kubernetes:policy/v1:PodDisruptionBudget", "api", {
      kind: "PodDisruptionBudget", metadata: { name: "api", namespace }, spec: { minAvailable: 1, selector },
    });

    it("passes a 3-replica Deployment whose pods a PDB in its namespace selects", () => {
      const d = deployment("api", pod(), { replicas: 3, labels });
      assert.deepStrictEqual(violations(pdbForReplicatedDeployments, [d, pdb("scai-dev", { matchLabels: labels })]), []);
      const byExpression = pdb("scai-dev", { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["api", "web"] }] });
      assert.deepStrictEqual(violations(pdbForReplicatedDeployments, [d, byExpression]), []);
    });

    it("flags it when the only PDB is in another namespace or selects other pods", () => {
      const d = deployment("api", pod(), { replicas: 3, labels });
      const expected = ["Deployment api runs 3 replicas but no PodDisruptionBudget in namespace scai-dev selects its pods"];
      assert.deepStrictEqual(violations(pdbForReplicatedDeployments, [d, pdb("scai-prod", { matchLabels: labels })]), expected);
      assert.deepStrictEqual(violations(pdbForReplicatedDeployments, [d, pdb("scai-dev", { matchLabels: { ...labels, "app.kubernetes.io/component": "worker" } })]), expected);
    });

    it("does not ask a single-replica Deployment for a PDB", () => {
      assert.deepStrictEqual(violations(pdbForReplicatedDeployments, [deployment("api", pod(), { replicas: 1 })]), []);
    });
  });

  describe("k8s-pinned-images-on-prod", () => {
    it("reads tags the way a registry does (a port is not a tag)", () => {
      assert.strictEqual(imageTag("registry.local:5000/scai/app"), "");
      assert.strictEqual(imageTag("registry.local:5000/scai/app:1.4.2"), "1.4.2");
      assert.strictEqual(imageTag("redis@sha256:0123abcd"), undefined);
    });

    it("passes version tags and digests on prod", () => {
      const spec = withContainer(pod({ image: "scailabs/scaidrive:1.4.2" }), () => undefined);
      spec.initContainers = [{ ...spec.containers[0], name: "init", image: "redis@sha256:0123abcd" }];
      assert.deepStrictEqual(violations(pinnedImagesOnProd, [deployment("api", spec)], PROD), []);
    });

    it("flags latest and untagged images on prod, and leaves dev alone", () => {
      const latest = deployment("api", pod({ image: "scailabs/scaidrive:latest" }));
      const untagged = job("migrate", pod({ image: "registry.local:5000/scai/app" }));
      assert.deepStrictEqual(violations(pinnedImagesOnProd, [latest, untagged], PROD), [
        "api: container app image scailabs/scaidrive:latest uses the mutable tag latest",
        "migrate: container app image registry.local:5000/scai/app has no tag",
      ]);
      assert.deepStrictEqual(violations(pinnedImagesOnProd, [latest, untagged]), []);
    });
  });

  describe("k8s-no-plaintext-secret-env", () => {
    it("passes secretKeyRef credentials, settings under secret-looking names, and URLs without credentials", () => {
      const env = [
        { name: "API_SECRET_KEY", valueFrom: { secretKeyRef: { name: "rahcp-env", key: "API_SECRET_KEY" } } },
        { name: "ENABLE_API_KEY", value: "true" },
        { name: "JWT_TOKEN_TTL", value: "300s" },
        { name: "REDIS_URL", value: "redis://redis:6379/0" },
      ];
      assert.deepStrictEqual(violations(noPlaintextSecretEnv, [deployment("api", pod({ env }))]), []);
    });

    it("flags a literal key and a database URL with a password, in pods and ConfigMaps", () => {
      const env = [
        { name: "API_SECRET_KEY", value: "change-me-in-production" },
        { name: "DATABASE_URL", value: "postgresql://hrida:hunter2@db:5432/hrida" },
      ];
      const cm = resource("kubernetes:core/v1:ConfigMap", "cfg", { kind: "ConfigMap", metadata: { name: "cfg" }, data: { S3_SECRET_KEY: "abc123xyz" } });
      assert.deepStrictEqual(violations(noPlaintextSecretEnv, [deployment("api", pod({ env })), cm]), [
        "api: container app: API_SECRET_KEY looks like a secret but is set as a literal value, not through secretKeyRef",
        "api: container app: DATABASE_URL is a URL with credentials but is set as a literal value, not through secretKeyRef",
        "ConfigMap cfg: S3_SECRET_KEY looks like a secret; keep it in a Secret",
      ]);
    });
  });

  describe("k8s-namespace-default-deny", () => {
    const ns = resource("kubernetes:core/v1:Namespace", "scai-dev", { kind: "Namespace", metadata: { name: "scai-dev" } });
    const np = (name: string, spec: any) => resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", name, {
      kind: "NetworkPolicy", metadata: { name, namespace: "scai-dev" }, spec,
    });

    it("passes a namespace with an all-pods policy denying ingress and egress", () => {
      assert.deepStrictEqual(violations(namespaceDefaultDeny, [ns, np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })]), []);
    });

    it("flags a namespace whose only policy denies ingress, or one that allows some egress", () => {
      assert.deepStrictEqual(violations(namespaceDefaultDeny, [ns, np("deny-in", { podSelector: {}, policyTypes: ["Ingress"] })]), [
        "namespace scai-dev has no default-deny NetworkPolicy for Egress",
      ]);
      const leaky = np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
      assert.deepStrictEqual(violations(namespaceDefaultDeny, [ns, leaky]), ["namespace scai-dev has no default-deny NetworkPolicy for Egress"]);
    });
  });

  describe("k8s-no-nodeport-on-prod", () => {
    const svc = (type: string) => resource("kubernetes:core/v1:Service", "api", { kind: "Service", metadata: { name: "api" }, spec: { type } });

    it("passes a ClusterIP Service on prod", () => {
      assert.deepStrictEqual(violations(noNodePortOnProd, [svc("ClusterIP")], PROD), []);
    });

    it("flags a NodePort Service on prod only", () => {
      assert.deepStrictEqual(violations(noNodePortOnProd, [svc("NodePort")], PROD), ["Service api is of type NodePort"]);
      assert.deepStrictEqual(violations(noNodePortOnProd, [svc("NodePort")]), []);
    });
  });

  describe("k8s-host-network-smtp-only", () => {
    it("passes hostNetwork on the SMTP pod", () => {
      assert.deepStrictEqual(violations(hostNetworkSmtpOnly, [deployment("smtp", pod({ hostNetwork: true }), { labels: SMTP_LABELS })]), []);
    });

    it("flags hostNetwork on any other role", () => {
      assert.deepStrictEqual(violations(hostNetworkSmtpOnly, [deployment("api", pod({ hostNetwork: true }))]), [
        "api: hostNetwork is set but the pod's app.kubernetes.io/component is api, not smtp",
      ]);
    });
  });
});
