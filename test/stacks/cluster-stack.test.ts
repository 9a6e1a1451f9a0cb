/**
 * The cluster inputs this project reads from a cluster stack: with `kubernetes.clusterStack` set,
 * the Kubernetes provider gets that stack's `kubeconfig` output through a StackReference, as a
 * secret, and applies to that cluster instead of rendering.
 */
import * as assert from "assert";
import { ConfigError } from "../../platform/environment";
import { MOCK_KUBECONFIG_PREFIX, evaluateStack, isSecretValue, mockClusterNetwork } from "../harness";

describe("cluster inputs from a cluster stack", () => {
  it("the provider applies with the cluster stack's kubeconfig, kept secret", async () => {
    const { env, resources } = await evaluateStack("dev", { "kubernetes.clusterStack": "scailabs/eks-cluster/dev" });
    assert.deepStrictEqual(env.kubernetes, { mode: "cluster", kubeconfig: undefined, context: undefined, clusterStack: "scailabs/eks-cluster/dev" });
    const refs = resources.filter(r => r.type === "pulumi:pulumi:StackReference");
    assert.deepStrictEqual(refs.map(r => r.inputs.name), ["scailabs/eks-cluster/dev"]);
    const provider = resources.find(r => r.type === "pulumi:providers:kubernetes")!;
    assert.strictEqual(provider.inputs.kubeconfig, `${MOCK_KUBECONFIG_PREFIX}scailabs/eks-cluster/dev`);
    assert.ok(isSecretValue(provider.rawInputs.kubeconfig), "the kubeconfig reached the provider in plain text");
    assert.strictEqual(provider.inputs.renderYamlToDirectory, undefined);
  });

  it("on local it switches from rendering to applying", async () => {
    const { env } = await evaluateStack("local", { "kubernetes.clusterStack": "organization/kind-cluster/local" });
    assert.strictEqual(env.kubernetes.mode, "cluster");
  });

  it("without one, no StackReference is read", async () => {
    const { resources } = await evaluateStack("local");
    assert.deepStrictEqual(resources.filter(r => r.type === "pulumi:pulumi:StackReference"), []);
  });

  it("one StackReference serves both the kubeconfig and the AWS data plane's network facts", async () => {
    const { resources } = await evaluateStack("dev");
    assert.deepStrictEqual(resources.filter(r => r.type === "pulumi:pulumi:StackReference").map(r => r.inputs.name), ["scailabs/eks-cluster/dev"]);
    const net = mockClusterNetwork("scailabs/eks-cluster/dev");
    const subnets = resources.find(r => r.type === "aws:rds/subnetGroup:SubnetGroup")!;
    assert.deepStrictEqual(subnets.inputs.subnetIds, net.privateSubnetIds);
    const sg = resources.find(r => r.type === "aws:ec2/securityGroup:SecurityGroup")!;
    assert.strictEqual(sg.inputs.vpcId, net.vpcId);
  });

  it("a name that is not <org>/<project>/<stack> is refused", async () => {
    await assert.rejects(evaluateStack("dev", { "kubernetes.clusterStack": "eks-cluster" }), (e: ConfigError) =>
      e.problems.includes('scai-platform:kubernetes.clusterStack must be a stack name <org>/<project>/<stack> (got "eks-cluster")'));
  });
});
