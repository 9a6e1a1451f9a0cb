/**
 * Hand-built resources for the policy rules' tests, and the bridge from resources captured under
 * mocks (`test/harness.ts`) to the rules' `PolicyResource`.
 */
import { hardenedPodSpec } from "@scai/platform-components";
import { PolicyContext, PolicyResource, Rule, evaluateRules, policyContext } from "../../policy/rules/index";
import { Captured } from "../harness";

export const DEV: PolicyContext = policyContext("dev");
export const PROD: PolicyContext = policyContext("prod");

export function resource(type: string, name: string, props: Record<string, any>): PolicyResource {
  return { type, name, urn: `urn:pulumi:test::scai-platform::${type}::${name}`, props };
}

/** The captured resources of a mock evaluation as the analyzer would see them (mock IDs are `<name>-id`). */
export function fromCaptured(resources: Captured[]): PolicyResource[] {
  return resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs, id: `${r.name}-id` }));
}

/** Messages of one rule over these resources. */
export function violations(rule: Rule, resources: PolicyResource[], ctx: PolicyContext = DEV): string[] {
  return evaluateRules([rule], resources, ctx).map(f => f.message);
}

export const probes = {
  liveness: { kind: "http" as const, path: "/health", port: "http" },
  readiness: { kind: "http" as const, path: "/ready", port: "http" },
};

export const sized = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/** A pod spec as the platform builds it (hardenedPodSpec): compliant unless changed. */
export function pod(over: { image?: string; env?: any[]; hostNetwork?: boolean; withProbes?: boolean } = {}): any {
  return hardenedPodSpec({
    container: {
      name: "app",
      image: over.image ?? "scailabs/app:1.2.3",
      env: over.env,
      ports: [{ name: "http", containerPort: 8000 }],
      resources: sized,
    },
    uid: 10001,
    probes: over.withProbes === false ? { none: "queue worker" } : probes,
    hostNetwork: over.hostNetwork,
  });
}

export function deployment(name: string, spec: any, o: { replicas?: number; labels?: Record<string, string>; annotations?: Record<string, string>; namespace?: string } = {}): PolicyResource {
  const labels = o.labels ?? { "app.kubernetes.io/name": "demo", "app.kubernetes.io/component": name };
  return resource("kubernetes:apps/v1:Deployment", name, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: o.namespace ?? "scai-dev" },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels, annotations: o.annotations }, spec },
    },
  });
}

export function job(name: string, spec: any, labels: Record<string, string> = {}): PolicyResource {
  return resource("kubernetes:batch/v1:Job", name, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "scai-dev" },
    spec: { template: { metadata: { labels }, spec: { ...spec, restartPolicy: "Never" } } },
  });
}

/** A container of a pod spec, changed in place (returns the spec). */
export function withContainer(spec: any, change: (c: any) => void): any {
  change(spec.containers[0]);
  return spec;
}
