/**
 * Wires an Environment to components: the Kubernetes provider (render or apply), the isolated
 * namespace, the data plane of the environment's kind, and every enabled system.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DataPlane } from "../components/data/data-plane";
import { InClusterDataPlane } from "../components/data/in-cluster-data-plane";
import { EnvironmentNamespace } from "../components/k8s/environment-namespace";
import { namespacePeer } from "../components/k8s/network";
import { Naming } from "../components/naming";
import { SystemName, SystemOutputs, systemDeployers } from "../systems/registry";
import { Environment } from "./environment";

/** The stack outputs other projects read through a StackReference. */
export interface PlatformOutputs {
  environment: string;
  namespace: pulumi.Output<string>;
  /** Where manifests were rendered, on stacks that render instead of applying. */
  renderedManifests?: string;
  systems: Partial<Record<SystemName, SystemOutputs>>;
}

export function kubernetesProvider(env: Environment): k8s.Provider {
  const t = env.kubernetes;
  return new k8s.Provider("kubernetes", t.mode === "render"
    ? { renderYamlToDirectory: t.directory }
    : { kubeconfig: t.kubeconfig, context: t.context });
}

export function dataPlaneFor(env: Environment, naming: Naming, namespace: pulumi.Output<string>): DataPlane {
  switch (env.dataServices) {
    case "in-cluster":
      return new InClusterDataPlane({
        naming,
        namespace,
        rotation: env.secretsRotation,
        redisAlsoAllowFrom: [namespacePeer(env.kedaNamespace)],
        storageClass: env.storageClass,
      });
    case "aws":
      throw new Error("dataServices \"aws\" is not available yet: use \"in-cluster\"");
  }
}

export function deployPlatform(env: Environment): PlatformOutputs {
  const naming = new Naming(env.stack);
  const provider = kubernetesProvider(env);
  const opts = { providers: [provider] };

  const ns = new EnvironmentNamespace(env.namespace, { name: env.namespace, labels: { "scai.dev/environment": env.stack } }, opts);
  const data = dataPlaneFor(env, naming, ns.name);

  const systems: Partial<Record<SystemName, SystemOutputs>> = {};
  for (const name of Object.keys(env.systems) as SystemName[]) {
    const deploy = systemDeployers[name] as (ctx: Parameters<typeof systemDeployers[SystemName]>[0], s: unknown) => SystemOutputs;
    systems[name] = deploy({ env, naming, namespace: ns.name, data, opts: { ...opts, dependsOn: [ns] } }, env.systems[name]);
  }

  return {
    environment: env.stack,
    namespace: ns.name,
    renderedManifests: env.kubernetes.mode === "render" ? env.kubernetes.directory : undefined,
    systems,
  };
}
