/**
 * Offline validation of Kubernetes manifests against the Kubernetes OpenAPI schema
 * (kubernetes-models) and KEDA's CRD schema (@kubernetes-models/keda): types, enums, formats
 * and required fields. Misspelt fields are caught earlier, by `tsc`, because every object is
 * built from @pulumi/kubernetes's typed inputs (KEDA's are checked here only).
 */
import * as keda from "@kubernetes-models/keda";
import * as models from "kubernetes-models";

type ModelClass = new (data: any) => { validate(): void };

/** "networking.k8s.io/v1" -> models.networkingK8sIo.v1; "v1" -> models.v1; KEDA's from its package. */
export function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "") return (models as any).v1?.[kind];
  if (group === "keda.sh") return (keda as any).kedaSh?.[version]?.[kind];
  const key = group.replace(/\.([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return (models as any)[key]?.[version]?.[kind];
}

/** Throws with the schema's message when the manifest is invalid or its kind has no schema. */
export function validateManifest(m: any): void {
  const Model = modelFor(m.apiVersion, m.kind);
  if (!Model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  new Model(JSON.parse(JSON.stringify(m))).validate();
}
