/**
 * @scai/platform-components: the reusable parts of scai-platform, in three layers that import
 * only downwards: `config` (the typed config schema toolkit and the image-reference rule),
 * `components` (Kubernetes workloads, data planes, AWS data services, DNS records) and `systems`
 * (the five systems as ComponentResources, their definitions, and the outputs contract).
 *
 * A program that only reads a platform stack's outputs imports `@scai/platform-components/outputs`,
 * which loads no component.
 */
// config
export * from "./config/schema";
export * from "./config/config-reader";
export * from "./config/config-source";
export * from "./config/image-ref";
// components
export * from "./components/naming";
export * from "./components/options";
export * from "./components/k8s/app-secret";
export * from "./components/k8s/database-dump-job";
export * from "./components/k8s/environment-namespace";
export * from "./components/k8s/network";
export * from "./components/k8s/one-shot-job";
export * from "./components/k8s/pod-spec";
export * from "./components/k8s/queue-scaler";
export * from "./components/k8s/stateful-service";
export * from "./components/k8s/web-ingress";
export * from "./components/k8s/workload";
export * from "./components/data/data-plane";
export * from "./components/data/lifecycle";
export * from "./components/data/in-cluster-database";
export * from "./components/data/in-cluster-object-store";
export * from "./components/data/in-cluster-redis";
export * from "./components/data/in-cluster-data-plane";
export * from "./components/data/aws-data-plane";
export * from "./components/aws/bucket-access-key";
export * from "./components/aws/bucket-access-role";
export * from "./components/aws/container-image";
export * from "./components/aws/encryption-key";
export * from "./components/aws/managed-database";
export * from "./components/aws/managed-redis";
export * from "./components/aws/node-only-security-group";
export * from "./components/aws/object-bucket";
export * from "./components/aws/secret-mirror";
export * from "./components/dns/record-values";
export * from "./components/dns/public-host-records";
export * from "./components/dns/mail-domain-records";
export * from "./components/dns/reverse-dns";
// systems
export * from "./systems/contract";
export * from "./systems/outputs";
export * from "./systems/context";
export * from "./systems/links";
// The systems themselves, through the registry (one list of them).
export * from "./systems/registry";
