import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's children: parented to the component, and depending on whatever the
 * component was told to depend on. Pulumi does not pass a component's `dependsOn` down to its
 * children, so without this a Deployment would not wait for the migration Job its component
 * was made to depend on.
 */
export function childOptions(parent: pulumi.Resource, opts?: pulumi.ComponentResourceOptions): pulumi.CustomResourceOptions {
  return { parent, dependsOn: opts?.dependsOn };
}
