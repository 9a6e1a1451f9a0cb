import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../options";
import { RecordValueError, assertHostname } from "./record-values";

export interface ReverseDnsArgs {
  /** Elastic IP allocation ids (eipalloc-…) of the addresses mail is sent from. */
  allocationIds: string[];
  /** The name their PTR records give; it must resolve back to them (forward-confirmed rDNS). */
  hostname: string;
}

/**
 * PTR records for Elastic IPs. AWS owns the reverse zones, so the only way to set them is the
 * EC2 `ModifyAddressAttribute` call behind `aws.ec2.EipDomainName`; AWS checks that the name
 * already resolves to the address, so the forward record must be among this component's
 * `dependsOn`. Addresses that are not Elastic IPs get their PTR from whoever owns them.
 */
export class ReverseDns extends pulumi.ComponentResource {
  public readonly ptrNames: pulumi.Output<string>[];

  constructor(name: string, args: ReverseDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:dns:ReverseDns", name, {}, opts);
    const child = childOptions(this, opts);
    const hostname = assertHostname("the reverse DNS hostname", args.hostname);
    for (const id of args.allocationIds) {
      if (!/^eipalloc-[0-9a-f]{8,17}$/.test(id)) throw new RecordValueError(`an Elastic IP allocation id must look like eipalloc-0123456789abcdef0 (got ${JSON.stringify(id)})`);
    }
    this.ptrNames = args.allocationIds.map(allocationId =>
      new aws.ec2.EipDomainName(`${name}-${allocationId}`, { allocationId, domainName: hostname }, child).ptrRecord);
    this.registerOutputs({ ptrNames: this.ptrNames });
  }
}
