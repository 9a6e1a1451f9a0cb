/**
 * The one rule for what a pinned container image is, shared by config validation
 * (config/schema.ts `isImmutableImageRef`), the policy pack (`k8s-pinned-images-on-prod`) and
 * the ECR build (components/aws/container-image.ts). A pinned image is a digest, or a tag that is
 * not one of the moving tags below; production runs only pinned images, so a restart or a
 * re-pull cannot change the code that runs. Pure (no imports): the policy pack loads it too.
 */

/** Tags that name a different image over time (compared case-insensitively): never what production runs. */
export const MOVING_TAGS = ["latest", "main", "master", "dev", "stable"] as const;

/** The moving tags as a phrase for messages: "latest, main, master, dev or stable". */
export const MOVING_TAGS_PHRASE = `${MOVING_TAGS.slice(0, -1).join(", ")} or ${MOVING_TAGS[MOVING_TAGS.length - 1]}`;

/** Whether a tag is one of the moving tags. */
export function isMovingTag(tag: string): boolean {
  return (MOVING_TAGS as readonly string[]).includes(tag.toLowerCase());
}

/**
 * The tag of an image reference as a registry reads it (a registry port is not a tag):
 * undefined when a digest pins the image (`repo@sha256:…`, `repo:tag@sha256:…`), "" when untagged.
 */
export function imageTag(ref: string): string | undefined {
  if (ref.includes("@sha256:")) return undefined;
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > lastSlash ? ref.slice(colon + 1) : "";
}

/** Why `ref` may name a different image later ("has no tag", "uses the mutable tag main"); undefined when it is pinned. */
export function mutableImageReason(ref: string): string | undefined {
  const tag = imageTag(ref);
  if (tag === undefined) return undefined;
  if (tag === "") return "has no tag";
  return isMovingTag(tag) ? `uses the mutable tag ${tag}` : undefined;
}
