/**
 * Rules from the systems' own requirements: RA-HCP's production hardening table, HridaAI's
 * single migration process, and the key lengths ScaiDrive and RA-HCP
 * require. Each passes vacuously on a stack that does not deploy the system.
 */
import { podTemplate } from "./kubernetes";
import { PolicyResource, ResourceRule, StackRule, Violation } from "./rule";

const NAME_LABEL = "app.kubernetes.io/name";

interface ContainerInPod {
  resource: PolicyResource;
  container: any;
  labels: Record<string, string>;
  env: Map<string, any>;
}

function containers(r: PolicyResource): ContainerInPod[] {
  const pod = podTemplate(r);
  if (!pod) return [];
  return (pod.spec.containers ?? []).map((c: any) => ({
    resource: r,
    container: c,
    labels: pod.labels,
    env: new Map((c.env ?? []).map((e: any) => [e.name, e])),
  }));
}

/** A literal env value, or undefined when unset or taken from a Secret/ConfigMap. */
function literal(e: any): string | undefined {
  return e && typeof e.value === "string" ? e.value : undefined;
}

/** RA-HCP's backend: it reads HCP_VERIFY_SSL, or is an RA-HCP pod holding API_SECRET_KEY. */
function isRaHcpBackend(c: ContainerInPod): boolean {
  const hcpPod = /hcp/i.test(c.labels[NAME_LABEL] ?? "");
  return c.env.has("HCP_VERIFY_SSL") || (hcpPod && (c.env.has("API_SECRET_KEY") || [...c.env.keys()].some(k => k.startsWith("HCP_"))));
}

export const raHcpProdHardening: ResourceRule = {
  kind: "resource",
  name: "rahcp-prod-hardening",
  prodOnly: true,
  description: "On prod RA-HCP's backend sets HCP_VERIFY_SSL=true and CORS_ORIGINS to explicit origins, never * (RA-HCP's security hardening checklist).",
  check(r) {
    return containers(r).filter(isRaHcpBackend).flatMap(c => {
      const at = `${r.props.metadata?.name}: container ${c.container.name}:`;
      const v: string[] = [];
      const verify = literal(c.env.get("HCP_VERIFY_SSL"));
      if (verify?.toLowerCase() !== "true") v.push(`${at} HCP_VERIFY_SSL must be "true" (got ${JSON.stringify(verify ?? null)})`);
      const cors = literal(c.env.get("CORS_ORIGINS"));
      if (!cors || cors.split(",").some(o => o.trim() === "*" || o.trim() === "")) v.push(`${at} CORS_ORIGINS must list explicit origins (got ${JSON.stringify(cors ?? null)})`);
      return v;
    });
  },
};

/** A HridaAI (Open WebUI) container: it reads HRIDAAI_* settings or ENABLE_DB_MIGRATIONS. */
function isHridaAi(c: ContainerInPod): boolean {
  return c.env.has("ENABLE_DB_MIGRATIONS") || [...c.env.keys()].some(k => k.startsWith("HRIDAAI_"));
}

const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** How many processes a resource can run at once: replicas (or its HPA's maximum), a Job's parallelism. */
function processes(r: PolicyResource, resources: PolicyResource[]): number {
  if (r.type === "kubernetes:batch/v1:Job") return r.props.spec?.parallelism ?? 1;
  if (r.type === "kubernetes:core/v1:Pod") return 1;
  const hpaMax = resources
    .filter(h => h.type === HPA && h.props.metadata?.namespace === r.props.metadata?.namespace
      && h.props.spec?.scaleTargetRef?.kind === r.props.kind && h.props.spec?.scaleTargetRef?.name === r.props.metadata?.name)
    .map(h => h.props.spec?.maxReplicas ?? 1);
  return Math.max(r.props.spec?.replicas ?? 1, ...hpaMax);
}

export const hridaAiSingleMigrator: StackRule = {
  kind: "stack",
  name: "hridaai-single-migrator",
  description: "At most one HridaAI process runs database migrations: ENABLE_DB_MIGRATIONS (which defaults to true) is false on every replica and true only in the one migration Job (HridaAI: prevents migration races).",
  check(resources) {
    const migrators = resources.flatMap(r => containers(r).filter(isHridaAi)
      .filter(c => (literal(c.env.get("ENABLE_DB_MIGRATIONS")) ?? "true").toLowerCase() !== "false")
      .map(c => ({ c, count: processes(r, resources) })));
    const total = migrators.reduce((n, m) => n + m.count, 0);
    if (total <= 1) return [];
    return migrators.map(({ c, count }): Violation => ({
      urn: c.resource.urn,
      message: `${c.resource.props.kind} ${c.resource.props.metadata?.name}: container ${c.container.name} runs migrations in up to ${count} process(es); ${total} in all, at most 1 allowed`,
    }));
  },
};

/**
 * Generated keys and the lengths their systems require. Keys come from `random.RandomPassword`
 * resources named `<secret>-<key in kebab case>` by AppSecret (`packages/platform-components/src/components/k8s/app-secret.ts`).
 */
export const KEY_LENGTHS: Array<{ key: string; pattern: RegExp; min: number; max?: number; requirement: string }> = [
  { key: "SCAIDRIVE_SECRET_KEY", pattern: /(^|-)scaidrive-secret-key$/, min: 32, requirement: "ScaiDrive requires 32+ bytes" },
  { key: "SCAIDRIVE_ENCRYPTION_KEY", pattern: /(^|-)scaidrive-encryption-key$/, min: 32, max: 32, requirement: "ScaiDrive requires 32 bytes" },
  { key: "API_SECRET_KEY", pattern: /^(ra-?)?hcp\b.*-api-secret-key$/, min: 64, requirement: "RA-HCP requires 64+ characters" },
];

export const secretKeyLengths: ResourceRule = {
  kind: "resource",
  name: "secret-key-lengths",
  description: "Generated keys have the lengths their systems require: SCAIDRIVE_SECRET_KEY >= 32, SCAIDRIVE_ENCRYPTION_KEY exactly 32, RA-HCP API_SECRET_KEY >= 64 characters.",
  check(r) {
    if (r.type !== "random:index/randomPassword:RandomPassword") return [];
    const spec = KEY_LENGTHS.find(k => k.pattern.test(r.name));
    if (!spec) return [];
    const length = Number(r.props.length);
    const ok = length >= spec.min && (spec.max === undefined || length <= spec.max);
    const wanted = spec.max === spec.min ? `exactly ${spec.min}` : `at least ${spec.min}`;
    return ok ? [] : [`${r.name} generates ${spec.key} with length ${r.props.length}; ${spec.requirement}, so it needs ${wanted}`];
  },
};

export const systemRules = [raHcpProdHardening, hridaAiSingleMigrator, secretKeyLengths];
