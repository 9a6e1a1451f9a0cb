import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMMON_LABELS } from "../naming";
import { childOptions } from "../options";

type Input<T> = pulumi.Input<T>;

/** One path routed to a Service port. */
export interface IngressRoute {
  path: string;
  /** Default: "Prefix". */
  pathType?: "Prefix" | "Exact";
  serviceName: Input<string>;
  /** Service port name. */
  servicePort: string;
  /** A long-lived WebSocket path: it gets the long read/send timeouts. Default: false. */
  websocket?: boolean;
}

export interface WebIngressArgs {
  namespace: Input<string>;
  /** Labels for the Ingress objects. */
  labels: Record<string, string>;
  host: string;
  routes: IngressRoute[];
  /** IngressClass. Default: "nginx". */
  className?: string;
  /** cert-manager ClusterIssuer for the TLS certificate; undefined: bring your own Secret. */
  clusterIssuer?: string;
  /** Largest request body, nginx syntax. Default: "1m" (ingress-nginx's own default). */
  maxBodySize?: string;
  /** Read/send timeout of WebSocket routes in seconds. Default: 3600. */
  websocketTimeoutSeconds?: number;
}

const NGINX = "nginx.ingress.kubernetes.io";

/**
 * TLS Ingress for ingress-nginx. Its timeouts are per Ingress object, not per path, so
 * WebSocket routes go in a second Ingress on the same host with hour-long timeouts while plain
 * routes keep the controller's defaults. Only the first Ingress asks cert-manager for the
 * certificate; both serve the same TLS Secret, so two Certificates never fight over it.
 */
export class WebIngress extends pulumi.ComponentResource {
  public readonly tlsSecretName: string;
  public readonly url: string;
  public readonly ingressNames: pulumi.Output<string>[] = [];

  constructor(name: string, args: WebIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:k8s:WebIngress", name, {}, opts);
    const className = args.className ?? "nginx";
    const bodySize = args.maxBodySize ?? "1m";
    const wsTimeout = String(args.websocketTimeoutSeconds ?? 3600);
    this.tlsSecretName = `${name}-tls`;
    this.url = `https://${args.host}`;

    const groups: Array<[string, IngressRoute[], Record<string, string>]> = [
      [name, args.routes.filter(r => !r.websocket), {
        ...(args.clusterIssuer ? { "cert-manager.io/cluster-issuer": args.clusterIssuer } : {}),
      }],
      [`${name}-ws`, args.routes.filter(r => r.websocket), {
        [`${NGINX}/proxy-read-timeout`]: wsTimeout,
        [`${NGINX}/proxy-send-timeout`]: wsTimeout,
      }],
    ];

    for (const [ingressName, routes, extra] of groups) {
      if (routes.length === 0) continue;
      const ingress = new k8s.networking.v1.Ingress(ingressName, {
        metadata: {
          name: ingressName,
          namespace: args.namespace,
          labels: { ...COMMON_LABELS, ...args.labels },
          annotations: {
            [`${NGINX}/proxy-body-size`]: bodySize,
            [`${NGINX}/ssl-redirect`]: "true",
            ...extra,
          },
        },
        spec: {
          ingressClassName: className,
          tls: [{ hosts: [args.host], secretName: this.tlsSecretName }],
          rules: [{
            host: args.host,
            http: {
              paths: routes.map(r => ({
                path: r.path,
                pathType: r.pathType ?? "Prefix",
                backend: { service: { name: r.serviceName, port: { name: r.servicePort } } },
              })),
            },
          }],
        },
      }, childOptions(this, opts));
      this.ingressNames.push(ingress.metadata.name);
    }

    this.registerOutputs({ url: this.url, ingressNames: this.ingressNames });
  }
}
