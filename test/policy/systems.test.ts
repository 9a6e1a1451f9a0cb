import * as assert from "assert";
import { hridaAiSingleMigrator, raHcpProdHardening, secretKeyLengths } from "../../policy/rules/systems";
import { PROD, deployment, job, pod, resource, violations } from "./fixtures";

const HCP_LABELS = { "app.kubernetes.io/name": "rahcp", "app.kubernetes.io/component": "backend" };
const HRIDA_LABELS = { "app.kubernetes.io/name": "hridaai", "app.kubernetes.io/component": "web" };
const secretRef = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: "app-env", key } } });

const backend = (env: any[]) => deployment("rahcp-backend", pod({ env: [secretRef("API_SECRET_KEY"), ...env] }), { labels: HCP_LABELS, namespace: "scai-prod" });
const password = (name: string, length: number) => resource("random:index/randomPassword:RandomPassword", name, { length, special: false });

describe("policy: system rules", () => {
  describe("rahcp-prod-hardening", () => {
    it("passes a prod backend verifying SSL with explicit CORS origins", () => {
      const ok = backend([{ name: "HCP_VERIFY_SSL", value: "true" }, { name: "CORS_ORIGINS", value: "https://hcp-ui.example.com" }]);
      assert.deepStrictEqual(violations(raHcpProdHardening, [ok], PROD), []);
    });

    it("flags SSL verification off and CORS * on prod, not on dev, and ignores the frontend", () => {
      const lax = backend([{ name: "HCP_VERIFY_SSL", value: "false" }, { name: "CORS_ORIGINS", value: "https://a.example.com,*" }]);
      assert.deepStrictEqual(violations(raHcpProdHardening, [lax], PROD), [
        'rahcp-backend: container app: HCP_VERIFY_SSL must be "true" (got "false")',
        'rahcp-backend: container app: CORS_ORIGINS must list explicit origins (got "https://a.example.com,*")',
      ]);
      assert.deepStrictEqual(violations(raHcpProdHardening, [lax]), []);
      const frontend = deployment("rahcp-frontend", pod(), { labels: { ...HCP_LABELS, "app.kubernetes.io/component": "frontend" } });
      assert.deepStrictEqual(violations(raHcpProdHardening, [frontend], PROD), []);
    });

    it("flags a prod backend that leaves both unset", () => {
      assert.deepStrictEqual(violations(raHcpProdHardening, [backend([])], PROD), [
        'rahcp-backend: container app: HCP_VERIFY_SSL must be "true" (got null)',
        "rahcp-backend: container app: CORS_ORIGINS must list explicit origins (got null)",
      ]);
    });
  });

  describe("hridaai-single-migrator", () => {
    const off = [{ name: "ENABLE_DB_MIGRATIONS", value: "false" }, { name: "HRIDAAI_SECRET_KEY", valueFrom: { secretKeyRef: { name: "hridaai-env", key: "HRIDAAI_SECRET_KEY" } } }];
    const on = [{ name: "ENABLE_DB_MIGRATIONS", value: "true" }];
    const web = (env: any[], replicas = 3) => deployment("hridaai-web", pod({ env }), { replicas, labels: HRIDA_LABELS });
    const migrate = job("hridaai-migrate", pod({ env: on }), HRIDA_LABELS);

    it("passes replicas with migrations off and one Job with them on", () => {
      assert.deepStrictEqual(violations(hridaAiSingleMigrator, [web(off), migrate]), []);
    });

    it("flags replicas that leave ENABLE_DB_MIGRATIONS at its default (true)", () => {
      const defaulted = web([{ name: "HRIDAAI_SECRET_KEY", valueFrom: { secretKeyRef: { name: "hridaai-env", key: "HRIDAAI_SECRET_KEY" } } }]);
      assert.deepStrictEqual(violations(hridaAiSingleMigrator, [defaulted, migrate]), [
        "Deployment hridaai-web: container app runs migrations in up to 3 process(es); 4 in all, at most 1 allowed",
        "Job hridaai-migrate: container app runs migrations in up to 1 process(es); 4 in all, at most 1 allowed",
      ]);
    });

    it("counts a one-replica Deployment by its HPA's maximum", () => {
      const hpa = resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hridaai-web", {
        kind: "HorizontalPodAutoscaler", metadata: { name: "hridaai-web", namespace: "scai-dev" },
        spec: { scaleTargetRef: { kind: "Deployment", name: "hridaai-web" }, minReplicas: 1, maxReplicas: 4 },
      });
      assert.deepStrictEqual(violations(hridaAiSingleMigrator, [web(on, 1), hpa]), [
        "Deployment hridaai-web: container app runs migrations in up to 4 process(es); 4 in all, at most 1 allowed",
      ]);
    });

    it("passes vacuously on a stack without HridaAI (Tika and other systems' jobs do not count)", () => {
      const tika = deployment("hridaai-tika", pod(), { labels: { ...HRIDA_LABELS, "app.kubernetes.io/component": "tika" } });
      assert.deepStrictEqual(violations(hridaAiSingleMigrator, [tika, job("scaidrive-migrate", pod())]), []);
    });
  });

  describe("secret-key-lengths", () => {
    it("passes the lengths the systems require", () => {
      const ok = [
        password("scaidrive-env-scaidrive-secret-key", 64),
        password("scaidrive-env-scaidrive-encryption-key", 32),
        password("rahcp-env-api-secret-key", 64),
        password("scaidrive-mariadb-password", 16),
      ];
      assert.deepStrictEqual(violations(secretKeyLengths, ok), []);
    });

    it("flags a short secret key, a 64-character encryption key and a short RA-HCP API key", () => {
      const bad = [
        password("scaidrive-env-scaidrive-secret-key", 16),
        password("scaidrive-env-scaidrive-encryption-key", 64),
        password("rahcp-env-api-secret-key", 32),
      ];
      assert.deepStrictEqual(violations(secretKeyLengths, bad), [
        "scaidrive-env-scaidrive-secret-key generates SCAIDRIVE_SECRET_KEY with length 16; ScaiDrive requires 32+ bytes, so it needs at least 32",
        "scaidrive-env-scaidrive-encryption-key generates SCAIDRIVE_ENCRYPTION_KEY with length 64; ScaiDrive requires 32 bytes, so it needs exactly 32",
        "rahcp-env-api-secret-key generates API_SECRET_KEY with length 32; RA-HCP requires 64+ characters, so it needs at least 64",
      ]);
    });
  });
});
