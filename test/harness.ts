/**
 * Evaluates real program code under `pulumi.runtime.setMocks` and captures every resource it
 * registers, with its resolved inputs. Generated secrets get recognisable values (they start
 * with SECRET_MARK) so a test can prove none of them leaks outside a Secret.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ConfigSource } from "@scai/platform-components";
import { mapConfigSource } from "../platform/config-source";
import { Environment, loadEnvironment } from "../platform/environment";
import { PlatformOutputs, deployPlatform } from "../platform/platform";

// Not in the typings: resolves once every outstanding resource registration has finished.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

// Speed (about 3x less CPU per whole-stack evaluation): the SDK reads `new Error().stack` for
// every resource (its source position, at unlimited depth) and every internal promise (a debug
// trace), and under ts-node each read maps every frame through source maps. Mocks have no engine
// to show source positions to, and the promise traces only decorate the leak report, which still
// runs; thrown errors and failed assertions keep their mapped stacks.
(pulumi.Resource as unknown as { callsites(): unknown[] }).callsites = () => [];
// eslint-disable-next-line @typescript-eslint/no-var-requires
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };
const debuggablePromise = debuggable.debuggablePromise;
debuggable.debuggablePromise = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return debuggablePromise(p, ctx);
  } finally {
    Error.stackTraceLimit = limit;
  }
};

export const PROJECT = "scai-platform";
export const ROOT = path.resolve(__dirname, "..");
export const SECRET_MARK = "sEcReT";
/** What a mocked StackReference's `kubeconfig` output starts with (then the referenced stack's name). */
export const MOCK_KUBECONFIG_PREFIX = "kubeconfig-of:";

export interface Captured {
  type: string;
  name: string;
  /** Inputs as plain values (secrets unwrapped). */
  inputs: any;
  /** Inputs as the engine received them: secrets still wrapped (see `isSecretValue`). */
  rawInputs: any;
  state: any;
  /** The resource's URN. */
  urn: string;
  /** URNs it was registered as depending on (dependsOn, expanded through components). */
  dependencies: string[];
  /** Whether it was registered with `protect`. */
  protect: boolean;
  /** Its parent's URN; undefined at the top of the program. */
  parent?: string;
  /**
   * Every URN the engine would match this resource against in existing state: its own `aliases`
   * resolved to URNs, plus the aliases it inherits from an aliased parent (as the engine derives them).
   */
  aliases: string[];
  /** The provider reference it was registered with (`<provider urn>::<id>`), or undefined for the default provider. */
  provider?: string;
}

let counter = 0;

/** The AWS account the mocks pretend to be in. */
export const MOCK_ACCOUNT = "123456789012";

/** The region the mocks pretend to be in. */
export const MOCK_REGION = "eu-west-1";

/** Answers for the AWS data sources the program calls, as the provider would give them. */
export const AWS_CALL_MOCKS: Record<string, (args: any) => any> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/ci`, userId: "AIDA" }),
  "aws:index/getRegion:getRegion": () => ({ name: MOCK_REGION, region: MOCK_REGION }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (a: any) => ({
    userName: "AWS",
    password: "ecr-login-token",
    proxyEndpoint: `https://${a.registryId ?? MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com`,
    authorizationToken: "QVdTOmVjci1sb2dpbi10b2tlbg==",
  }),
};

/** The network outputs of a mocked cluster stack; ids carry a hash of its name so two clusters never share one. */
export function mockClusterNetwork(stackName: string) {
  const h = [...stackName].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, "0").slice(0, 8);
  return {
    vpcId: `vpc-${h}`,
    vpcCidr: "10.40.0.0/16",
    privateSubnetIds: [`subnet-${h}a`, `subnet-${h}b`, `subnet-${h}c`],
    nodeSecurityGroupId: `sg-${h}`,
    oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/oidc.eks.${MOCK_REGION}.amazonaws.com/id/${h.toUpperCase()}`,
    oidcProviderUrl: `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/${h.toUpperCase()}`,
  };
}

/** Pulumi's wire marker for a secret value: `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a raw input value travelled as a secret. */
export function isSecretValue(v: any): boolean {
  return v !== null && typeof v === "object" && v[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** The value with every secret wrapper replaced by what it wraps. */
export function unwrapSecrets(v: any): any {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** A generated secret's mock value: recognisable, unique, exactly `length` characters. */
function mockSecret(length: number): string {
  const base = `${SECRET_MARK}${++counter}x`;
  return base.padEnd(length, "z").slice(0, length);
}

function mockState(type: string, name: string, inputs: any): { id: string; state: any } {
  if (type === "random:index/randomPassword:RandomPassword") {
    return { id: name, state: { ...inputs, result: mockSecret(inputs.length) } };
  }
  if (type === "aws:rds/parameterGroup:ParameterGroup" && inputs.name === undefined) {
    // What the provider makes of a namePrefix: the prefix and a unique, time-ordered id.
    return { id: `${inputs.namePrefix}20261202000000000000000001`, state: { ...inputs, name: `${inputs.namePrefix}20261202000000000000000001` } };
  }
  if (type === "aws:elasticache/parameterGroup:ParameterGroup" && inputs.name === undefined) {
    // Pulumi's auto-name: the resource name and a random suffix.
    return { id: `${name}-a1b2c3d`, state: { ...inputs, name: `${name}-a1b2c3d` } };
  }
  if (type === "random:index/randomId:RandomId") {
    // Deterministic per resource name, so evaluations (and the URN snapshots) are stable.
    const hex = [...name].reduce((a, c) => (a * 33 + c.charCodeAt(0)) >>> 0, 5381).toString(16).padStart(8, "0").repeat(8).slice(0, 2 * inputs.byteLength);
    return { id: name, state: { ...inputs, hex, b64Std: Buffer.from(hex, "hex").toString("base64") } };
  }
  if (type === "pulumi:pulumi:StackReference") {
    // A cluster stack that exports its kubeconfig as a secret, named after the stack it stands for,
    // and the network facts of the cluster contract (README, "Cluster stack contract").
    return { id: inputs.name, state: { ...inputs, outputs: { kubeconfig: `${MOCK_KUBECONFIG_PREFIX}${inputs.name}`, ...mockClusterNetwork(inputs.name) }, secretOutputNames: ["kubeconfig"] } };
  }
  if (type === "aws:s3/bucket:Bucket") {
    return { id: inputs.bucket, state: { ...inputs, arn: `arn:aws:s3:::${inputs.bucket}` } };
  }
  if (type === "aws:rds/instance:Instance") {
    return { id: inputs.identifier, state: { ...inputs, address: `${inputs.identifier}.c0ffee.eu-west-1.rds.amazonaws.com` } };
  }
  if (type === "aws:elasticache/replicationGroup:ReplicationGroup") {
    const id = inputs.replicationGroupId;
    return { id, state: { ...inputs, primaryEndpointAddress: `master.${id}.c0ffee.euw1.cache.amazonaws.com`, arn: `arn:aws:elasticache:${MOCK_REGION}:${MOCK_ACCOUNT}:replicationgroup:${id}` } };
  }
  if (type === "aws:ecr/repository:Repository") {
    return { id: inputs.name, state: { ...inputs, repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${inputs.name}`, arn: `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${inputs.name}` } };
  }
  if (type === "docker:index/image:Image") {
    const repo = String(inputs.imageName).replace(/:[^:/]+$/, "");
    return { id: name, state: { ...inputs, repoDigest: `${repo}@sha256:${"0".repeat(64)}` } };
  }
  if (type === "aws:secretsmanager/secret:Secret") {
    return { id: inputs.name, state: { ...inputs, arn: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:${inputs.name}-AbCdEf` } };
  }
  if (type === "aws:kms/key:Key") {
    return { id: name, state: { ...inputs, keyId: name, arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/${name}` } };
  }
  if (type === "aws:iam/role:Role") {
    return { id: name, state: { ...inputs, arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${inputs.name ?? name}` } };
  }
  return { id: `${name}-id`, state: { ...inputs } };
}

/** The engine's URN: the parent's whole type chain (the root stack's excepted), then the type, then the name. */
export function engineUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
  const parentType = parent ? parent.split("::")[2] : "";
  const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const urnName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
const urnType = (urn: string): string => urn.split("::")[2].split("$").pop()!;

/**
 * The URNs a registration is aliased to, resolved as the engine does: a spec's missing fields are
 * the resource's own, its parent the resource's parent unless `noParent`; each alias of the parent
 * gives the child an alias under it, renamed like the parent when the child's name starts with
 * the parent's (`${name}-role` children follow their parent's rename).
 */
function resolveAliases(req: any, stack: string, project: string, parentAliases: (urn: string) => string[]): string[] {
  const type: string = req.getType();
  const name: string = req.getName();
  const parent: string = req.getParent();
  const own: string[] = (req.getAliasesList?.() ?? []).map((a: any) => {
    if (a.getUrn()) return a.getUrn();
    const spec = a.getSpec();
    const aliasParent = spec.getNoparent() ? undefined : spec.getParenturn() || parent || undefined;
    return engineUrn(spec.getStack() || stack, spec.getProject() || project, aliasParent, spec.getType() || type, spec.getName() || name);
  });
  own.push(...(req.getAliasurnsList?.() ?? []));
  if (!parent) return [...new Set(own)];
  const parentName = urnName(parent);
  const inherited = parentAliases(parent).flatMap(pa => [name, ...own.map(urnName)].map((childName, i) => {
    const childType = i === 0 ? type : urnType(own[i - 1]);
    const renamed = childName.startsWith(parentName) ? urnName(pa) + childName.slice(parentName.length) : childName;
    return engineUrn(stack, project, pa, childType, renamed);
  }));
  return [...new Set([...own, ...inherited])];
}

/** Runs `fn` under mocks as stack `stack`; returns its result and every registered resource. */
export async function evaluate<T>(stack: string, fn: () => T, calls: Record<string, (args: any) => any> = {}): Promise<{ result: T; resources: Captured[] }> {
  const resources: Captured[] = [];
  const registrations = new Map<string, Pick<Captured, "urn" | "dependencies" | "protect" | "parent" | "aliases">>();
  const aliasesByUrn = new Map<string, string[]>();
  await pulumi.runtime.setMocks({
    newResource(args) {
      const inputs = unwrapSecrets(args.inputs);
      const { id, state } = mockState(args.type, args.name, inputs);
      const reg = registrations.get(`${args.type}::${args.name}`) ?? { urn: "", dependencies: [], protect: false, aliases: [] };
      resources.push({ type: args.type, name: args.name, inputs, rawInputs: args.inputs, state, ...reg, provider: args.provider || undefined });
      return { id, state };
    },
    call(args) {
      const handler = calls[args.token] ?? AWS_CALL_MOCKS[args.token];
      if (!handler) throw new Error(`no mock for call ${args.token}`);
      return handler(args.inputs);
    },
  }, PROJECT, stack, false);
  const monitor = pulumi.runtime.getMonitor() as any;
  // The mock monitor keeps only the parent's last type in a child's URN; the engine keeps the whole
  // chain (a Deployment in a Workload in a system has both), and the URN snapshots (test/urns.ts)
  // must be the engine's.
  monitor.newUrn = (parent: string | undefined, type: string, name: string) => engineUrn(stack, PROJECT, parent, type, name);
  // The mock monitor does not pass dependencies, parents or aliases to newResource; record them on the way in.
  const record = (req: any, extra: Pick<Captured, "dependencies" | "protect">) => {
    const urn: string = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    const aliases = resolveAliases(req, stack, PROJECT, p => aliasesByUrn.get(p) ?? []);
    aliasesByUrn.set(urn, aliases);
    registrations.set(`${req.getType()}::${req.getName()}`, { urn, parent: req.getParent() || undefined, aliases, ...extra });
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    record(req, { dependencies: req.getDependenciesList(), protect: Boolean(req.getProtect()) });
    return register(req, callback);
  };
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req: any, callback: any) => {
    record(req, { dependencies: req.getDependenciesList(), protect: false });
    return read(req, callback);
  };
  const result = fn();
  await waitForRPCs();
  return { result, resources };
}

/** Resolves an Output (or plain value) under mocks. */
export function output<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise(resolve => pulumi.output(o).apply(v => { resolve(v as T); return v; }));
}

/**
 * A stack file's config as paths, the way `pulumi config set --path` names them
 * (`scaidrive.api.replicas`): leaves as text, lists as JSON. `mapConfigSource` rebuilds the
 * structured values, so a test overrides one nested value by its path.
 */
export function stackConfig(stack: string): Record<string, string> {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const out: Record<string, string> = {};
  const put = (key: string, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) put(`${key}.${k}`, x);
    } else {
      out[key] = typeof v === "string" ? v : JSON.stringify(v);
    }
  };
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (k.startsWith(`${PROJECT}:`)) put(k.slice(PROJECT.length + 1), v);
  }
  return out;
}

/** Example secret config of a stack: what an operator sets with `pulumi config set --secret`. */
export function exampleSecrets(stack: string): Record<string, string> {
  if (stack === "local") return {}; // local runs with no setup: its secrets are optional there
  return {
    "scaisend.scaikey.clientSecret": `example-${stack}-scaikey-client-secret`,
    "scaisend.scaikey.webhookSecret": `example-${stack}-scaikey-webhook-secret`,
    "novitai.apiKey": `example-${stack}-novita-api-key`,
  };
}

/** An override value that removes the key from the stack's committed config. */
export const UNSET = "\u0000unset";

/** A config source for a committed stack file, with overrides (`UNSET` removes a key); secrets default to `exampleSecrets(stack)`. */
export function stackSource(stack: string, overrides: Record<string, string> = {}, secrets: Record<string, string> = exampleSecrets(stack)): ConfigSource {
  const merged = Object.entries({ ...stackConfig(stack), ...overrides }).filter(([, v]) => v !== UNSET);
  return mapConfigSource(PROJECT, stack, Object.fromEntries(merged), secrets);
}

/** Evaluates the whole program (config -> environment -> platform) for a stack. */
export async function evaluateStackFresh(
  stack: string,
  overrides: Record<string, string> = {},
  secrets: Record<string, string> = exampleSecrets(stack),
): Promise<StackEvaluation> {
  const env = loadEnvironment(stackSource(stack, overrides, secrets));
  const { result, resources } = await evaluate(stack, () => deployPlatform(env));
  return { env, outputs: result, resources };
}

export interface StackEvaluation {
  env: Environment;
  outputs: PlatformOutputs;
  resources: Captured[];
}

const evaluations = new Map<string, Promise<StackEvaluation>>();

/**
 * `evaluateStackFresh`, memoized per (stack, overrides, secrets): suites only read the captured
 * resources, so each distinct configuration is evaluated once per test run. Treat the result
 * as read-only.
 */
export function evaluateStack(
  stack: string,
  overrides: Record<string, string> = {},
  secrets: Record<string, string> = exampleSecrets(stack),
): Promise<StackEvaluation> {
  const key = JSON.stringify([stack, overrides, secrets]);
  if (!evaluations.has(key)) evaluations.set(key, evaluateStackFresh(stack, overrides, secrets));
  return evaluations.get(key)!;
}

// ---- views over captured resources ----------------------------------------------------------

export const K8S_PREFIX = "kubernetes:";

/** Kubernetes objects as manifests (apiVersion, kind, metadata, spec...). */
export function manifests(resources: Captured[]): any[] {
  return resources
    .filter(r => r.type.startsWith(K8S_PREFIX) && !r.type.startsWith("pulumi:providers"))
    .map(r => r.inputs);
}

export function ofKind(resources: Captured[], kind: string): any[] {
  return manifests(resources).filter(m => m.kind === kind);
}

export function named(resources: Captured[], kind: string, name: string): any {
  const found = ofKind(resources, kind).find(m => m.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}; have: ${ofKind(resources, kind).map(m => m.metadata?.name).join(", ")}`);
  return found;
}

/** Every pod template spec with its owner, Jobs and StatefulSets included. */
export function podSpecs(resources: Captured[]): Array<{ owner: string; kind: string; spec: any; labels: any; annotations: any }> {
  return manifests(resources)
    .filter(m => ["Deployment", "StatefulSet", "Job"].includes(m.kind))
    .map(m => ({
      owner: m.metadata.name,
      kind: m.kind,
      spec: m.spec.template.spec,
      labels: m.spec.template.metadata?.labels ?? {},
      annotations: m.spec.template.metadata?.annotations ?? {},
    }));
}

/** Whether every key/value of `selector` is among `labels`. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Env var of a container as {value} or {secretKeyRef}. */
export function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** Whether resource `a` was registered depending on resource `b`. */
export function dependsOn(a: Captured, b: Captured): boolean {
  return a.dependencies.includes(b.urn);
}

/** The captured resource whose manifest is `m` (e.g. from `named`). */
export function captured(resources: Captured[], m: any): Captured {
  const r = resources.find(x => x.inputs === m);
  if (!r) throw new Error(`not captured: ${m?.kind} ${m?.metadata?.name}`);
  return r;
}

/** Values of generated secrets seen in this evaluation. */
export function generatedSecrets(resources: Captured[]): string[] {
  return resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").map(r => r.state.result);
}
