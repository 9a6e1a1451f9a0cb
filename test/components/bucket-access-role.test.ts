import * as assert from "assert";
import { BucketAccessRole, IRSA_ANNOTATION } from "@scai/platform-components";
import { allRules, evaluateRules, policyContext } from "../../policy/rules/index";
import { fromCaptured } from "../policy/fixtures";
import { MOCK_ACCOUNT, evaluate, output } from "../harness";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

describe("BucketAccessRole component (IRSA)", () => {
  it("only the named ServiceAccounts of the namespace may assume it, through the cluster's OIDC provider", async () => {
    const { resources } = await evaluate("prod", () => new BucketAccessRole("files-access", {
      roleName: "scai-prod-scaidrive-files",
      bucketArn: "arn:aws:s3:::scai-prod-scaidrive-files",
      namespace: "scai-prod",
      serviceAccounts: ["scaidrive-api", "scaidrive-worker-high"],
      oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER}`,
      oidcProviderUrl: `https://${ISSUER}`,
    }));
    const role = resources.find(r => r.type === "aws:iam/role:Role")!.inputs;
    const [trust] = JSON.parse(role.assumeRolePolicy).Statement;
    assert.deepStrictEqual(trust.Principal, { Federated: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER}` });
    assert.strictEqual(trust.Action, "sts:AssumeRoleWithWebIdentity");
    assert.deepStrictEqual(trust.Condition.StringEquals, {
      [`${ISSUER}:aud`]: "sts.amazonaws.com",
      [`${ISSUER}:sub`]: ["system:serviceaccount:scai-prod:scaidrive-api", "system:serviceaccount:scai-prod:scaidrive-worker-high"],
    });
  });

  it("is allowed its own bucket and that bucket's objects, nothing else", async () => {
    const { resources, result } = await evaluate("prod", () => new BucketAccessRole("files-access", {
      roleName: "scai-prod-scaidrive-files",
      bucketArn: "arn:aws:s3:::scai-prod-scaidrive-files",
      namespace: "scai-prod",
      serviceAccounts: ["scaidrive-api"],
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x",
      oidcProviderUrl: ISSUER,
    }));
    const statements = JSON.parse(resources.find(r => r.type === "aws:iam/rolePolicy:RolePolicy")!.inputs.policy).Statement;
    assert.deepStrictEqual(statements.flatMap((s: any) => s.Resource), [
      "arn:aws:s3:::scai-prod-scaidrive-files", "arn:aws:s3:::scai-prod-scaidrive-files/*",
    ]);
    assert.deepStrictEqual(evaluateRules(allRules, fromCaptured(resources), policyContext("prod")), []);
    assert.strictEqual(await output(result.serviceAccountAnnotations[IRSA_ANNOTATION]), `arn:aws:iam::${MOCK_ACCOUNT}:role/scai-prod-scaidrive-files`);
  });
});
