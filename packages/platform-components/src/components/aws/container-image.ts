import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MOVING_TAGS, isMovingTag } from "../../config/image-ref";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

export interface ContainerImageArgs {
  /** Physical ECR repository name (from the naming helper), e.g. scai-dev-scaidrive. */
  repositoryName: string;
  /** Docker build context: a directory, relative to the Pulumi program or absolute. */
  context: string;
  /** Dockerfile to build. Default: `<context>/Dockerfile`. */
  dockerfile?: string;
  /**
   * Configured tag, e.g. 1.4.2 or a git sha. On production, moving tags (`MOVING_TAGS`) are refused.
   * It is pushed as `<tag>-<build context digest>` wherever the repository keeps it immutable (`pushedTag`).
   */
  tag: string;
  /**
   * Production: the repository's tags are all immutable. Elsewhere the moving tags stay
   * overwritable so a developer may iterate on `latest`; every other tag is immutable there too.
   */
  production: boolean;
  /** Platform to build for. Default: linux/amd64 (the cluster's nodes). */
  platform?: string;
  /** Expire untagged images this many days after their push. Default: 7. */
  untaggedExpireDays?: number;
  /**
   * Keep only this many most recently pushed tagged images; older ones expire. Default: 50, a
   * rollback window of many releases that still bounds storage on a repository pushed every deploy.
   */
  keepTagged?: number;
  /** KMS key for the repository's encryption. Default: ECR-managed AES256. */
  kmsKeyArn?: Input<string>;
  /** Refuse deletion, in Pulumi and of a repository that still holds images. Default: false. */
  protect?: boolean;
  /** Tags on the repository. Default: none. */
  tags?: Record<string, string>;
}

// The moving tags are the one pinned-image rule's (config/image-ref.ts), shared with config and policy.
export { MOVING_TAGS } from "../../config/image-ref";

/** Docker's tag grammar (distribution/reference). */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Refuses a tag Docker would reject, and on production a moving tag. */
export function assertDeployableTag(repositoryName: string, tag: string, production: boolean): void {
  if (!DOCKER_TAG.test(tag)) {
    throw new Error(`image ${repositoryName}: tag "${tag}" is not a valid Docker tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`);
  }
  if (production && isMovingTag(tag)) {
    throw new Error(`image ${repositoryName}: production refuses the moving tag "${tag}"; deploy a version or a git sha`);
  }
}

/** Hex characters of the build context's digest appended to a pushed tag. */
export const CONTEXT_DIGEST_LENGTH = 12;

/**
 * A digest of a build context: every file's path and content, in path order (`.git` left out).
 * Throws, naming the folder, when it is not a directory: nothing could be built from it.
 */
export function contextDigest(repositoryName: string, dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`image ${repositoryName}: build context ${dir} is not a folder (images.contextRoot/<system> must hold its Dockerfile)`);
  }
  const hash = crypto.createHash("sha256");
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === ".git") continue;
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(`${p}\0`).update(fs.readFileSync(path.join(dir, p))).update("\0");
    }
  };
  walk("");
  return hash.digest("hex");
}

/**
 * The tag an image is pushed under. ECR refuses to overwrite an immutable tag, so a rebuild under
 * an unchanged configured tag would fail in the middle of an update: every immutable tag (all of
 * them on production, all but the moving ones elsewhere) carries the digest of its build context,
 * `<tag>-<digest>`. A changed context is a new tag; an unchanged one pushes nothing.
 */
export function pushedTag(repositoryName: string, tag: string, production: boolean, context: string): string {
  if (!production && isMovingTag(tag)) return tag;
  const full = `${tag}-${contextDigest(repositoryName, context).slice(0, CONTEXT_DIGEST_LENGTH)}`;
  if (!DOCKER_TAG.test(full)) {
    throw new Error(`image ${repositoryName}: tag "${tag}" is too long to carry its build digest (${full.length} of 128 characters)`);
  }
  return full;
}

function assertPositiveInteger(repositoryName: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`image ${repositoryName}: ${field} must be a positive integer, got ${value}`);
  }
}

/**
 * A system's image built from source and pushed to its own ECR repository: scanned on push,
 * tags immutable, KMS or AES256 encrypted, untagged images expired and only the newest tagged
 * ones kept. `imageRef` pins the pushed image by digest, so pods roll exactly when it changes.
 * (The other path, a fixed image from config, needs no component.)
 */
export class ContainerImage extends pulumi.ComponentResource {
  /** The pushed image by digest (`<repositoryUrl>@sha256:…`): what pods run. */
  public readonly imageRef: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** The tag the image was pushed under. */
  public readonly pushedTag: string;

  constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const untaggedExpireDays = args.untaggedExpireDays ?? 7;
    const keepTagged = args.keepTagged ?? 50;
    // Before super(): a refused tag must leave nothing registered, not even this component.
    assertDeployableTag(args.repositoryName, args.tag, args.production);
    assertPositiveInteger(args.repositoryName, "untaggedExpireDays", untaggedExpireDays);
    assertPositiveInteger(args.repositoryName, "keepTagged", keepTagged);
    const tag = pushedTag(args.repositoryName, args.tag, args.production, args.context);

    super("scai:aws:ContainerImage", name, {}, opts);
    const child = childOptions(this, opts);
    const protect = args.protect ?? false;
    const platform = args.platform ?? "linux/amd64";
    const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");

    const repository = new aws.ecr.Repository(name, {
      name: args.repositoryName,
      // A plain IMMUTABLE repository accepts a moving tag only once: dev's second push of `latest` would fail.
      ...(args.production
        ? { imageTagMutability: "IMMUTABLE" }
        : {
            imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters: MOVING_TAGS.map(filter => ({ filter, filterType: "WILDCARD" })),
          }),
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [args.kmsKeyArn === undefined
        ? { encryptionType: "AES256" }
        : { encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
      forceDelete: !protect,
      tags: args.tags,
    }, { ...child, protect });

    new aws.ecr.LifecyclePolicy(name, {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `expire untagged images ${untaggedExpireDays} days after push`,
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpireDays },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `keep the ${keepTagged} most recent tagged images`,
            // ECR accepts tagStatus "tagged" only with a tag prefix or pattern list; "*" matches every tag.
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepTagged },
            action: { type: "expire" },
          },
        ],
      }),
    }, child);

    // Invoked under this component so it uses the same AWS provider as the repository.
    const login = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
    const image = new docker.Image(name, {
      imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
      build: { context: args.context, dockerfile, platform },
      registry: {
        server: repository.repositoryUrl,
        username: login.userName,
        // The only input the registry password reaches, and as a secret.
        password: pulumi.secret(login.password),
      },
    }, child);

    this.repositoryUrl = repository.repositoryUrl;
    this.pushedTag = tag;
    this.imageRef = image.repoDigest;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
