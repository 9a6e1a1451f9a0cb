/**
 * The vocabulary every rule is written in: a rule is a pure function over resources as the engine
 * describes them (type token, name, URN, properties) and the stack being checked. Nothing here
 * imports `@pulumi/*`, so the same rules run inside the CrossGuard analyzer (`policy/index.ts`)
 * and offline in the mocha suites over resources captured under mocks.
 */

/** A resource as a policy sees it. */
export interface PolicyResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`, `aws:s3/bucket:Bucket`. */
  type: string;
  /** Logical (Pulumi) name. */
  name: string;
  urn: string;
  /** Inputs (resource rules) or outputs (stack rules); for Kubernetes both are the manifest. */
  props: Record<string, any>;
  /** Provider ID where known (stack rules after an update; the mock ID offline). */
  id?: string;
  /** URNs of the resources each input came from, where the engine reports them. */
  propertyDependencies?: Record<string, string[]>;
}

/** The stack being checked. */
export interface PolicyContext {
  stack: string;
  /** Whether the stack runs the prod profile: mandatory enforcement and the prod-only rules. */
  prod: boolean;
}

export interface Violation {
  message: string;
  /** The offending resource, for stack rules. */
  urn?: string;
}

interface RuleInfo {
  /** Unique policy name, as shown by `pulumi preview --policy-pack`. */
  name: string;
  /** One line: what is required and why (the system's requirement or the standard it comes from). */
  description: string;
  /** Only evaluated on prod; elsewhere the rule passes. */
  prodOnly?: boolean;
}

/** Judges one resource at a time (CrossGuard `validateResource`). */
export interface ResourceRule extends RuleInfo {
  kind: "resource";
  check(r: PolicyResource, ctx: PolicyContext): string[];
}

/** Judges the whole stack, for requirements that span resources (CrossGuard `validateStack`). */
export interface StackRule extends RuleInfo {
  kind: "stack";
  check(resources: PolicyResource[], ctx: PolicyContext): Violation[];
}

export type Rule = ResourceRule | StackRule;

export type Level = "mandatory" | "advisory";

/** Mandatory on prod (a violation stops the preview or update), advisory everywhere else. */
export function enforcementLevel(ctx: PolicyContext): Level {
  return ctx.prod ? "mandatory" : "advisory";
}

/** The profile rule of `platform/environment.ts`: an explicit profile wins, else the stack name. */
export function policyContext(stack: string, profile?: string): PolicyContext {
  return { stack, prod: (profile || stack) === "prod" };
}

export interface Finding {
  rule: string;
  level: Level;
  urn: string;
  message: string;
}

/** Runs rules over a stack's resources exactly as the analyzer would, without the engine. */
export function evaluateRules(rules: Rule[], resources: PolicyResource[], ctx: PolicyContext): Finding[] {
  const level = enforcementLevel(ctx);
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (rule.prodOnly && !ctx.prod) continue;
    if (rule.kind === "resource") {
      for (const r of resources) {
        for (const message of rule.check(r, ctx)) findings.push({ rule: rule.name, level, urn: r.urn, message });
      }
    } else {
      for (const v of rule.check(resources, ctx)) findings.push({ rule: rule.name, level, urn: v.urn ?? "", message: v.message });
    }
  }
  return findings;
}

// ---- small helpers shared by the rule modules ------------------------------------------------

/** The `name` part of a URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/** A value as a list (CrossGuard and JSON policies allow a single item or a list). */
export function asList<T>(v: T | T[] | undefined | null): T[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** Parses a JSON policy document given as a string or an object; undefined when unparseable. */
export function policyDocument(doc: unknown): { Statement?: any } | undefined {
  if (typeof doc === "string") {
    try { return JSON.parse(doc); } catch { return undefined; }
  }
  return doc && typeof doc === "object" ? doc as { Statement?: any } : undefined;
}
