/**
 * Turns the pure rules into CrossGuard policies: a resource rule becomes a `validateResource`
 * policy, a stack rule a `validateStack` policy; every policy is mandatory on prod and advisory
 * elsewhere. Kept apart from `index.ts` (which starts the analyzer) so tests can drive it.
 */
import type { Policies, PolicyResource as EnginePolicyResource, ReportViolation } from "@pulumi/policy";
import { PolicyContext, PolicyResource, Rule, enforcementLevel } from "./rules/index";

function fromEngine(r: EnginePolicyResource): PolicyResource {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = deps.map(d => d.urn);
  return { type: r.type, name: r.name, urn: r.urn, props: r.props, propertyDependencies };
}

export function policies(rules: Rule[], ctx: PolicyContext): Policies {
  const enforcement = enforcementLevel(ctx);
  return rules.map(rule => {
    const base = { name: rule.name, description: rule.description, enforcementLevel: enforcement };
    const applies = !rule.prodOnly || ctx.prod;
    if (rule.kind === "resource") {
      return {
        ...base,
        validateResource: (args: { type: string; name: string; urn: string; props: Record<string, any> }, report: ReportViolation) => {
          if (!applies) return;
          for (const message of rule.check({ type: args.type, name: args.name, urn: args.urn, props: args.props }, ctx)) report(message);
        },
      };
    }
    return {
      ...base,
      validateStack: (args: { resources: EnginePolicyResource[] }, report: ReportViolation) => {
        if (!applies) return;
        for (const v of rule.check(args.resources.map(fromEngine), ctx)) report(v.message, v.urn);
      },
    };
  });
}
