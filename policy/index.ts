/**
 * The scai-platform policy pack: `pulumi preview --policy-pack policy` (see the README's policy
 * section). Rules live in `rules/`; this file only decides the stack and starts the analyzer.
 *
 * The stack: the engine starts the pack with the stack's name and config in its environment, so
 * `pulumi.getStack()` names it and `scai-platform:profile` (when set) overrides it, as in
 * `platform/environment.ts`. SCAI_POLICY_PROFILE forces a profile by hand (e.g. to try prod rules).
 */
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { policies } from "./pack";
import { allRules, policyContext } from "./rules/index";

const stack = pulumi.getStack();
const profile = process.env.SCAI_POLICY_PROFILE || new pulumi.Config("scai-platform").get("profile");
const ctx = policyContext(stack, profile);

new PolicyPack("scai-platform", {
  description: `Hardening rules from the Scai systems' requirements; ${ctx.prod ? "mandatory" : "advisory"} on stack ${stack || "(unknown)"}.`,
  policies: policies(allRules, ctx),
});
