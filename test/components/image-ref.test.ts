/**
 * One rule for mutable image tags (packages/platform-components/src/config/image-ref.ts), and the three places that apply it
 * agree: config validation on prod, the policy pack's k8s-pinned-images-on-prod and the ECR build.
 */
import * as assert from "assert";
import { assertDeployableTag, imageTag, isImmutableImageRef, MOVING_TAGS, mutableImageReason } from "@scai/platform-components";
import { pinnedImagesOnProd } from "../../policy/rules/kubernetes";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import { stackSource } from "../harness";
import { PROD, deployment, pod, violations } from "../policy/fixtures";

const DIGEST = `sha256:${"0".repeat(64)}`;

function prodProblems(overrides: Record<string, string>): string[] {
  try {
    loadEnvironment(stackSource("prod", overrides));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("pinned images: one rule", () => {
  it("a digest or a non-moving tag is pinned; moving tags (any case) and a missing tag are not", () => {
    assert.deepStrictEqual([...MOVING_TAGS], ["latest", "main", "master", "dev", "stable"]);
    for (const ref of ["scailabs/scaidrive:1.4.2", "scailabs/scaidrive:main-1a2b3c", `scailabs/scaidrive@${DIGEST}`, `scailabs/scaidrive:main@${DIGEST}`]) {
      assert.strictEqual(mutableImageReason(ref), undefined, ref);
    }
    assert.strictEqual(mutableImageReason("scailabs/scaidrive:main"), "uses the mutable tag main");
    assert.strictEqual(mutableImageReason("scailabs/scaidrive:Stable"), "uses the mutable tag Stable");
    assert.strictEqual(mutableImageReason("registry.local:5000/scai/app"), "has no tag");
    assert.strictEqual(imageTag("registry.local:5000/scai/app:dev"), "dev");
  });

  it("config, policy and the ECR build agree on every reference, moving tags other than latest included", () => {
    const refs = ["scailabs/scaidrive:1.4.2", ...MOVING_TAGS.map(t => `scailabs/scaidrive:${t}`), "scailabs/scaidrive:MAIN", `scailabs/scaidrive@${DIGEST}`];
    for (const ref of refs) {
      const pinned = mutableImageReason(ref) === undefined;
      assert.strictEqual(isImmutableImageRef(ref), pinned, `config on ${ref}`);
      assert.strictEqual(violations(pinnedImagesOnProd, [deployment("api", pod({ image: ref }))], PROD).length === 0, pinned, `policy on ${ref}`);
      const tag = imageTag(ref);
      if (tag !== undefined) {
        const built = (() => { try { assertDeployableTag("scai-prod-scaidrive", tag, true); return true; } catch { return false; } })();
        assert.strictEqual(built, pinned, `ECR build on ${ref}`);
      }
    }
  });

  it("prod config refuses :main before any resource, naming the key, the value and what is allowed", () => {
    assert.deepStrictEqual(prodProblems({ "scaidrive.image": "scailabs/scaidrive:main", "rahcp.frontendImage": "riksarkivet/ra-hcp-frontend:stable" }), [
      'scai-platform:scaidrive.image must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "scailabs/scaidrive:main")',
      'scai-platform:rahcp.frontendImage must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "riksarkivet/ra-hcp-frontend:stable")',
    ]);
  });

  it("the policy pack flags :main on prod with the reason", () => {
    assert.deepStrictEqual(violations(pinnedImagesOnProd, [deployment("api", pod({ image: "scailabs/scaidrive:main" }))], PROD), [
      "api: container app image scailabs/scaidrive:main uses the mutable tag main",
    ]);
  });
});
