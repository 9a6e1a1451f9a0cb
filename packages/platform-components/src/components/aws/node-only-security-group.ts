import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

type Input<T> = pulumi.Input<T>;

export interface NodeOnlySecurityGroupArgs {
  /** Security group name (the data service's physical name). */
  groupName: string;
  /** What listens, for the description: "mariadb", "redis". */
  service: string;
  vpcId: Input<string>;
  /** The cluster nodes' security group, the only source admitted. */
  nodeSecurityGroupId: Input<string>;
  port: number;
  tags?: Record<string, string>;
}

/**
 * A security group for a managed data service that admits the cluster nodes on one port and
 * nothing else. Pods reach the service from the nodes' addresses, so the node group is the peer;
 * which pods may connect is then up to their NetworkPolicies. Registered with `opts` (the
 * calling component as parent).
 */
export function nodeOnlySecurityGroup(name: string, args: NodeOnlySecurityGroupArgs, opts: pulumi.CustomResourceOptions): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(name, {
    name: args.groupName,
    description: `${args.groupName}: ${args.service} from the cluster nodes only`,
    vpcId: args.vpcId,
    tags: args.tags,
  }, opts);
  new aws.vpc.SecurityGroupIngressRule(name, {
    securityGroupId: sg.id,
    referencedSecurityGroupId: args.nodeSecurityGroupId,
    ipProtocol: "tcp",
    fromPort: args.port,
    toPort: args.port,
    description: "cluster nodes",
  }, opts);
  return sg;
}
