/** Every rule of the pack, in the order `pulumi preview --policy-pack` lists them. */
import { awsRules } from "./aws";
import { kubernetesRules } from "./kubernetes";
import { Rule } from "./rule";
import { systemRules } from "./systems";

export const allRules: Rule[] = [...kubernetesRules, ...awsRules, ...systemRules];
export * from "./rule";
