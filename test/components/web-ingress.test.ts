import * as assert from "assert";
import { WebIngress } from "@scai/platform-components";
import { evaluate, ofKind } from "../harness";

describe("WebIngress component", () => {
  it("without WebSocket routes there is one Ingress, with ingress-nginx's default body size", async () => {
    const { resources } = await evaluate("dev", () => new WebIngress("site", {
      namespace: "ns", labels: {}, host: "site.example.com", clusterIssuer: "letsencrypt-prod",
      routes: [{ path: "/", serviceName: "site", servicePort: "http" }],
    }));
    const ingresses = ofKind(resources, "Ingress");
    assert.strictEqual(ingresses.length, 1);
    assert.strictEqual(ingresses[0].metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "1m");
    assert.strictEqual(ingresses[0].metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
    assert.strictEqual(ingresses[0].spec.ingressClassName, "nginx");
  });

  it("without an issuer no certificate is requested (bring your own TLS Secret)", async () => {
    const { resources } = await evaluate("dev", () => new WebIngress("site", {
      namespace: "ns", labels: {}, host: "site.example.com",
      routes: [{ path: "/", serviceName: "site", servicePort: "http" }],
    }));
    const [ing] = ofKind(resources, "Ingress");
    assert.strictEqual(ing.metadata.annotations["cert-manager.io/cluster-issuer"], undefined);
    assert.deepStrictEqual(ing.spec.tls, [{ hosts: ["site.example.com"], secretName: "site-tls" }]);
  });
});
