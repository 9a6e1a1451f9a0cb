import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import { RecordValueError, assertHostname } from "./record-values";

/** The ingress controller's load balancer, as DNS sees it. */
export interface LoadBalancerTarget {
  /** Its DNS name, e.g. a1b2.elb.eu-west-1.amazonaws.com. */
  hostname: string;
  /** Its canonical hosted zone, for alias records. Undefined: not an AWS load balancer, so a CNAME. */
  zoneId?: string;
  /** Whether it answers on IPv6 too (a dualstack load balancer): adds AAAA aliases. Default: false. */
  ipv6?: boolean;
}

export interface PublicHostRecordsArgs {
  /** Route53 hosted zone the records go in. */
  zoneId: pulumi.Input<string>;
  /** Public hostnames served by the ingress controller. */
  hostnames: string[];
  target: LoadBalancerTarget;
  /** TTL of CNAME records (aliases have none of their own). Default: 300. */
  ttl?: number;
}

/**
 * Points public hostnames at the ingress controller's load balancer: A (and AAAA) alias records
 * when the load balancer is AWS's (no extra lookup, answered at the zone apex too), else a CNAME.
 */
export class PublicHostRecords extends pulumi.ComponentResource {
  /** The names that now resolve to the load balancer. */
  public readonly fqdns: string[];

  constructor(name: string, args: PublicHostRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:dns:PublicHostRecords", name, {}, opts);
    const ttl = args.ttl ?? 300;
    const ipv6 = args.target.ipv6 ?? false;
    const child = childOptions(this, opts);
    assertHostname("the load balancer hostname", args.target.hostname);
    const hostnames = [...new Set(args.hostnames)].map(h => assertHostname("a public hostname", h));

    for (const host of hostnames) {
      if (args.target.zoneId !== undefined) {
        for (const type of ipv6 ? ["A", "AAAA"] : ["A"]) {
          new aws.route53.Record(`${name}-${host}-${type.toLowerCase()}`, {
            zoneId: args.zoneId,
            name: host,
            type,
            aliases: [{ name: args.target.hostname, zoneId: args.target.zoneId, evaluateTargetHealth: true }],
          }, child);
        }
      } else {
        // A CNAME cannot sit beside other records of its name, nor at a zone apex (RFC 1034 3.6.2).
        if (host.split(".").length < 3) throw new RecordValueError(`${host} looks like a zone apex, where a CNAME is not allowed: set dns.ingressZoneId so it gets an alias record`);
        new aws.route53.Record(`${name}-${host}-cname`, {
          zoneId: args.zoneId,
          name: host,
          type: "CNAME",
          ttl,
          records: [args.target.hostname],
        }, child);
      }
    }
    this.fqdns = hostnames;
    this.registerOutputs({ fqdns: this.fqdns });
  }
}
