import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContainerImage, ContainerImageArgs, MOVING_TAGS, contextDigest } from "@scai/platform-components";
import { AWS_CALL_MOCKS, Captured, evaluate, isSecretValue, output } from "../harness";

const REPOSITORY = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const IMAGE = "docker:index/image:Image";
const TOKEN = "aws:ecr/getAuthorizationToken:getAuthorizationToken";
const PROD_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/scai-prod-scaidrive";
const DEV_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/scai-dev-scaidrive";

/** A build context on disk: its digest names what is pushed. */
const CONTEXT = fs.mkdtempSync(path.join(os.tmpdir(), "scai-image-"));
fs.writeFileSync(path.join(CONTEXT, "Dockerfile"), "FROM scratch\nCOPY app /app\n");
fs.writeFileSync(path.join(CONTEXT, "app"), "v1\n");
const DIGEST = () => contextDigest("x", CONTEXT).slice(0, 12);

const base: ContainerImageArgs = {
  repositoryName: "scai-dev-scaidrive",
  context: CONTEXT,
  tag: "1.4.2",
  production: false,
};
const prodArgs: ContainerImageArgs = { ...base, repositoryName: "scai-prod-scaidrive", production: true, protect: true, tags: { environment: "prod" } };

const one = (r: Captured[], type: string): Captured => {
  const found = r.filter(x => x.type === type);
  assert.strictEqual(found.length, 1, `expected one ${type}, have ${found.length}`);
  return found[0];
};

/** Constructs under mocks, returning the error thrown (if any) and whatever got registered. */
async function attempt(stack: string, args: ContainerImageArgs): Promise<{ error?: Error; resources: Captured[] }> {
  const { result, resources } = await evaluate(stack, () => {
    try {
      new ContainerImage("scaidrive", args);
      return undefined;
    } catch (e) {
      return e as Error;
    }
  });
  return { error: result, resources };
}

describe("ContainerImage component (ECR repository + docker.Image)", () => {
  let dev: Captured[];
  let prod: Captured[];
  let prodImage: ContainerImage;
  let loginCalls: any[];
  before(async () => {
    loginCalls = [];
    const recordLogin = { [TOKEN]: (a: any) => { loginCalls.push(a); return AWS_CALL_MOCKS[TOKEN](a); } };
    ({ resources: prod, result: prodImage } = await evaluate("prod", () => new ContainerImage("scaidrive", prodArgs), recordLogin));
    ({ resources: dev } = await evaluate("dev", () => new ContainerImage("scaidrive", base)));
  });

  it("prod: every tag immutable, scanned on push, AES256 by default, not force-deletable when protected", () => {
    const repo = one(prod, REPOSITORY).inputs;
    assert.deepStrictEqual(
      [repo.name, repo.imageTagMutability, repo.imageTagMutabilityExclusionFilters, repo.imageScanningConfiguration, repo.encryptionConfigurations, repo.forceDelete, repo.tags],
      ["scai-prod-scaidrive", "IMMUTABLE", undefined, { scanOnPush: true }, [{ encryptionType: "AES256" }], false, { environment: "prod" }],
    );
  });

  it("dev leaves only the moving tags overwritable, so `latest` can be pushed again; versions and shas stay immutable", () => {
    const repo = one(dev, REPOSITORY).inputs;
    assert.strictEqual(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
    assert.deepStrictEqual(repo.imageTagMutabilityExclusionFilters,
      ["latest", "main", "master", "dev", "stable"].map(filter => ({ filter, filterType: "WILDCARD" })));
    assert.deepStrictEqual(repo.imageScanningConfiguration, { scanOnPush: true });
    assert.strictEqual(repo.forceDelete, true);
  });

  it("lifecycle: untagged images expire 7 days after push and only the 50 newest tagged images are kept, unless told otherwise", async () => {
    const policy = (r: Captured[]) => {
      const lp = one(r, LIFECYCLE).inputs;
      assert.strictEqual(lp.repository, one(r, REPOSITORY).inputs.name);
      return JSON.parse(lp.policy).rules;
    };
    const rules = (days: number, keep: number) => [
      {
        rulePriority: 1,
        description: `expire untagged images ${days} days after push`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `keep the ${keep} most recent tagged images`,
        selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ];
    assert.deepStrictEqual(policy(dev), rules(7, 50));
    const { resources } = await evaluate("dev", () => new ContainerImage("scaidrive", { ...base, untaggedExpireDays: 2, keepTagged: 10 }));
    assert.deepStrictEqual(policy(resources), rules(2, 10));
  });

  it("builds <context>/Dockerfile for linux/amd64 and pushes <repositoryUrl>:<tag> with the ECR login of the repository's registry", async () => {
    const image = one(prod, IMAGE).inputs;
    assert.strictEqual(image.imageName, `${PROD_URL}:1.4.2-${DIGEST()}`);
    assert.deepStrictEqual(image.build, { context: CONTEXT, dockerfile: path.join(CONTEXT, "Dockerfile"), platform: "linux/amd64" });
    assert.deepStrictEqual(image.registry, { server: PROD_URL, username: "AWS", password: "ecr-login-token" });
    assert.strictEqual(loginCalls.length, 1);
    assert.strictEqual(await output(prodImage.repositoryUrl), PROD_URL);

    const { resources } = await evaluate("dev", () => new ContainerImage("scaidrive", {
      ...base, tag: "3f9c2ab", dockerfile: "docker/api.Dockerfile", platform: "linux/arm64",
    }));
    const custom = one(resources, IMAGE).inputs;
    assert.strictEqual(custom.imageName, `${DEV_URL}:3f9c2ab-${DIGEST()}`);
    assert.deepStrictEqual(custom.build, { context: CONTEXT, dockerfile: "docker/api.Dockerfile", platform: "linux/arm64" });
  });

  it("imageRef is the pushed image pinned by digest, which is what pods run", async () => {
    assert.strictEqual(await output(prodImage.imageRef), `${PROD_URL}@sha256:${"0".repeat(64)}`);
  });

  it("the ECR password reaches only the image's registry block, and travels there as a secret", () => {
    const { password, authorizationToken } = AWS_CALL_MOCKS[TOKEN]({});
    for (const r of [...prod, ...dev]) {
      const elsewhere = r.type === IMAGE ? { ...r.inputs, registry: { ...r.inputs.registry, password: undefined } } : r.inputs;
      const text = JSON.stringify(elsewhere);
      assert.ok(!text.includes(password) && !text.includes(authorizationToken), `${r.type} ${r.name} holds the ECR login`);
    }
    const raw = one(prod, IMAGE).rawInputs;
    assert.ok(isSecretValue(raw.registry), "registry block (with the password) is not secret");
    assert.strictEqual(raw.registry.value.password, password);
    assert.ok(!isSecretValue(raw.imageName) && !isSecretValue(raw.build), "only the registry block needs to be secret");
  });

  it("production refuses every moving tag, in any case, before registering anything", async () => {
    for (const tag of [...MOVING_TAGS, "Latest"]) {
      const { error, resources } = await attempt("prod", { ...prodArgs, tag });
      assert.ok(error, `prod accepted ${tag}`);
      assert.strictEqual(error.message,
        `image scai-prod-scaidrive: production refuses the moving tag "${tag}"; deploy a version or a git sha`);
      assert.deepStrictEqual(resources.map(r => r.type), []);
    }
  });

  it("a tag outside Docker's grammar is refused in every environment", async () => {
    for (const [stack, args] of [["dev", base], ["prod", prodArgs]] as const) {
      for (const tag of ["v1 beta", "", ".hidden", "-rc1", "1.4.2/x", "a".repeat(129)]) {
        const { error, resources } = await attempt(stack, { ...args, tag });
        assert.ok(error, `${stack} accepted tag ${JSON.stringify(tag)}`);
        assert.match(error.message, new RegExp(`^image ${args.repositoryName}: tag ".*" is not a valid Docker tag`));
        assert.deepStrictEqual(resources, []);
      }
    }
    // 115 characters leave room for "-<12-character digest>" within Docker's 128.
    const longest = await attempt("prod", { ...prodArgs, tag: `_${"a".repeat(114)}` });
    assert.strictEqual(longest.error, undefined);
    const tooLong = await attempt("prod", { ...prodArgs, tag: `_${"a".repeat(115)}` });
    assert.match(tooLong.error!.message, /too long to carry its build digest \(129 of 128 characters\)/);
  });

  it("an immutable tag carries the build context's digest: a changed context is a new tag, not a refused overwrite mid-update", async () => {
    const before = DIGEST();
    assert.match(before, /^[0-9a-f]{12}$/);
    fs.writeFileSync(path.join(CONTEXT, "app"), "v2\n");
    try {
      const { resources } = await evaluate("prod", () => new ContainerImage("scaidrive", prodArgs));
      const after = DIGEST();
      assert.notStrictEqual(after, before);
      assert.strictEqual(one(resources, IMAGE).inputs.imageName, `${PROD_URL}:1.4.2-${after}`);
    } finally {
      fs.writeFileSync(path.join(CONTEXT, "app"), "v1\n");
    }
    assert.strictEqual(DIGEST(), before, "the digest depends only on the context's files");
    const missing = await attempt("prod", { ...prodArgs, context: path.join(CONTEXT, "nope") });
    assert.match(missing.error!.message, /^image scai-prod-scaidrive: build context .*nope is not a folder/);
    assert.deepStrictEqual(missing.resources, []);
  });

  it("dev accepts `latest` (its repository lets that tag move)", async () => {
    const { error, resources } = await attempt("dev", { ...base, tag: "latest" });
    assert.strictEqual(error, undefined);
    assert.strictEqual(one(resources, IMAGE).inputs.imageName, `${DEV_URL}:latest`);
  });

  it("a repository given a KMS key is encrypted with it", async () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/ecr";
    const { resources } = await evaluate("prod", () => new ContainerImage("scaidrive", { ...prodArgs, kmsKeyArn: key }));
    assert.deepStrictEqual(one(resources, REPOSITORY).inputs.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: key }]);
  });

  it("refuses a lifecycle that would expire nothing or everything", async () => {
    for (const [field, value] of [["untaggedExpireDays", 0], ["keepTagged", 0], ["keepTagged", 2.5]] as const) {
      const { error, resources } = await attempt("dev", { ...base, [field]: value });
      assert.strictEqual(error?.message, `image scai-dev-scaidrive: ${field} must be a positive integer, got ${value}`);
      assert.deepStrictEqual(resources, []);
    }
  });
});
