/** ScaiSend as its operators describe it: three services, one env, MySQL 8, Redis, attachments, mail DNS. */
import * as assert from "assert";
import * as crypto from "crypto";
import { ConfigError, loadEnvironment } from "../../platform/environment";
import {
  Captured, captured, dependsOn, envOf, evaluateStack, exampleSecrets, named, ofKind, stackSource,
} from "../harness";

const container = (d: any) => d.spec.template.spec.containers[0];
const ROLES = ["scaisend-api", "scaisend-worker", "scaisend-smtp"];
const SECRET_ENV = ["DATABASE_URL", "REDIS_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "SCAIKEY_CLIENT_SECRET", "SCAIKEY_WEBHOOK_SECRET"];
const dkimKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } })
  .publicKey.toString("base64");

/** dev with a hosted zone, two sender domains, an abuse domain and Elastic IPs. */
const DNS = {
  "dns.zoneId": "Z0DEVSCAI000001",
  "dns.ingressHostname": "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com",
  "dns.ingressZoneId": "Z32O12XQLNTSW2",
  "scaisend.smtp.inboundIps": '["198.51.100.25"]',
  "scaisend.smtp.inboundEipAllocationIds": '["eipalloc-0aaaaaaaaaaaaaaa1"]',
  "scaisend.smtp.inboundSubnets": '["subnet-0bbbbbbbbbbbbbbb1"]',
  "scaisend.smtp.outboundIps": '["203.0.113.10","203.0.113.11"]',
  "scaisend.smtp.eipAllocationIds": '["eipalloc-0123456789abcdef0","eipalloc-0fedcba987654321f"]',
  "scaisend.abuseDomain": "dev.scai.example.com",
  "scaisend.senderDomains": '["dev.scai.example.com","news.dev.scai.example.com"]',
  "scaisend.dkim.publicKeys": JSON.stringify([`dev.scai.example.com:${dkimKey}`, `news.dev.scai.example.com:${dkimKey}`]),
  "scaisend.dmarc.reportAddress": "dmarc@scai.example.com",
};

function configProblems(stack: string, overrides: Record<string, string>, secrets = exampleSecrets(stack)): string[] {
  try {
    loadEnvironment(stackSource(stack, overrides, secrets));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("ScaiSend on dev", () => {
  let resources: Captured[];
  let api: any;
  let smtp: any;

  before(async () => {
    resources = (await evaluateStack("dev")).resources;
    api = named(resources, "Deployment", "scaisend-api");
    smtp = named(resources, "Deployment", "scaisend-smtp");
  });

  it("runs serve on 8000, worker and smtp from one image, as three Deployments", () => {
    assert.deepStrictEqual(container(api).command, ["scaisend", "serve", "--host", "0.0.0.0", "--port", "8000"]);
    assert.deepStrictEqual(container(named(resources, "Deployment", "scaisend-worker")).command, ["scaisend", "worker"]);
    assert.deepStrictEqual(container(smtp).command, ["scaisend", "smtp"]);
    assert.deepStrictEqual(new Set(ROLES.map(r => container(named(resources, "Deployment", r)).image)), new Set(["scailabs/scaisend:latest"]));
    assert.strictEqual(api.spec.replicas, 2);
  });

  it("api probes: liveness /health, readiness /ready on port 8000; worker states why it has none; smtp is probed on its port", () => {
    assert.deepStrictEqual(container(api).ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    assert.deepStrictEqual(container(api).livenessProbe.httpGet, { path: "/health", port: "http" });
    assert.deepStrictEqual(container(api).readinessProbe.httpGet, { path: "/ready", port: "http" });
    const worker = named(resources, "Deployment", "scaisend-worker");
    assert.strictEqual(container(worker).livenessProbe, undefined);
    assert.match(worker.spec.template.metadata.annotations["scai.dev/no-probes-reason"], /arq worker has no listener/);
    assert.deepStrictEqual(container(smtp).livenessProbe.tcpSocket, { port: "smtp" });
  });

  it("every role gets ScaiSend's whole env, with the same values; credentials only through secretKeyRef", () => {
    const envs = ROLES.map(r => envOf(container(named(resources, "Deployment", r))));
    const job = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("scaisend-migrate-"));
    envs.push(envOf(container(job)));
    for (const env of envs) {
      assert.deepStrictEqual(env, envs[0]);
      for (const k of SECRET_ENV) assert.deepStrictEqual(env[k], { secretKeyRef: { name: "scaisend-env", key: k } }, k);
    }
    const { DATABASE_URL, REDIS_URL, S3_ACCESS_KEY, S3_SECRET_KEY, SCAIKEY_CLIENT_SECRET, SCAIKEY_WEBHOOK_SECRET, ...plain } = envs[0];
    // The environment's attachments bucket: its name ends in the stack's random suffix.
    assert.match(plain.S3_BUCKET, /^scai-dev-scaisend-attachments-[0-9a-f]{8}$/);
    assert.deepStrictEqual(plain, {
      S3_ENDPOINT_URL: "https://s3.eu-west-1.amazonaws.com",
      S3_BUCKET: plain.S3_BUCKET,
      AWS_REGION: "eu-west-1",
      SCAIKEY_API_URL: "https://scaikey.dev.scai.example.com",
      SCAIKEY_CLIENT_ID: "scaisend",
      SCAIKEY_JWKS_URL: "https://scaikey.dev.scai.example.com/.well-known/jwks.json",
      SMTP_HELO_HOSTNAME: "mail.dev.scai.example.com",
      SMTP_POOL_SIZE_PER_DOMAIN: "5",
      SMTP_CONNECT_TIMEOUT: "30",
      SMTP_COMMAND_TIMEOUT: "60",
      SMTP_MAX_RETRIES: "5",
      SMTP_RETRY_BASE_DELAY: "60",
      INBOUND_SMTP_HOST: "0.0.0.0",
      INBOUND_SMTP_PORT: "2525",
      TRACKING_BASE_URL: "https://send.dev.scai.example.com",
      ADMIN_URL: "https://send.dev.scai.example.com",
    });
  });

  it("the Secret holds an aiomysql URL to MySQL 8 (8.4 on RDS) and the configured ScaiKey secrets", () => {
    const secret = named(resources, "Secret", "scaisend-env");
    assert.match(secret.stringData.DATABASE_URL, /^mysql\+aiomysql:\/\/scaisend:sEcReT\w+@scai-dev-scaisend-mysql\.c0ffee\.eu-west-1\.rds\.amazonaws\.com:3306\/scaisend\?ssl_check_hostname=false$/);
    assert.match(secret.stringData.REDIS_URL, /^rediss:\/\/:sEcReT\w+@master\.scai-dev-scaisend-redis\.c0ffee\.euw1\.cache\.amazonaws\.com:6379\/0$/);
    assert.strictEqual(secret.stringData.SCAIKEY_CLIENT_SECRET, "example-dev-scaikey-client-secret");
    assert.strictEqual(secret.stringData.SCAIKEY_WEBHOOK_SECRET, "example-dev-scaikey-webhook-secret");
    const db = resources.find(r => r.type === "aws:rds/instance:Instance" && r.inputs.identifier === "scai-dev-scaisend-mysql")!.inputs;
    assert.deepStrictEqual([db.engine, db.engineVersion], ["mysql", "8.4"]);
  });

  it("only the API has an Ingress; SMTP is a LoadBalancer on 25 keeping client addresses; the worker has no Service", () => {
    const ingresses = ofKind(resources, "Ingress").filter(i => i.metadata.name.startsWith("scaisend"));
    assert.deepStrictEqual(ingresses.map(i => i.metadata.name), ["scaisend-web"]);
    const [rule] = ingresses[0].spec.rules;
    assert.strictEqual(rule.host, "send.dev.scai.example.com");
    assert.deepStrictEqual(rule.http.paths.map((p: any) => [p.path, p.backend.service.name]), [["/", "scaisend-api"]]);
    const svc = named(resources, "Service", "scaisend-smtp");
    assert.strictEqual(svc.spec.type, "LoadBalancer");
    assert.strictEqual(svc.spec.externalTrafficPolicy, "Local");
    assert.deepStrictEqual(svc.spec.ports, [{ name: "smtp", port: 25, targetPort: "smtp", protocol: "TCP" }]);
    assert.strictEqual(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
    assert.strictEqual(named(resources, "Service", "scaisend-api").spec.type, "ClusterIP");
    assert.ok(!ofKind(resources, "Service").some(s => s.metadata.name === "scaisend-worker"));
    assert.deepStrictEqual(container(smtp).ports, [{ name: "smtp", containerPort: 2525, protocol: "TCP" }]);
    assert.strictEqual(smtp.spec.template.spec.hostNetwork, undefined);
    assert.strictEqual(container(smtp).securityContext.runAsNonRoot, true);
  });

  it("NetworkPolicies: api from the ingress controller and linked systems only, smtp from the internet on its port and out on 25, worker takes nothing in", () => {
    const apiNp = named(resources, "NetworkPolicy", "scaisend-api").spec;
    assert.deepStrictEqual(apiNp.ingress, [{
      from: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
        { podSelector: { matchLabels: { "access.scai.dev/scaisend-api": "true" } } },
      ],
      ports: [{ protocol: "TCP", port: "http" }],
    }]);
    const smtpNp = named(resources, "NetworkPolicy", "scaisend-smtp").spec;
    assert.deepStrictEqual(smtpNp.ingress, [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }], ports: [{ protocol: "TCP", port: "smtp" }] }]);
    assert.ok(smtpNp.egress.some((e: any) => e.ports?.[0]?.port === 25 && e.to[0].ipBlock.cidr === "0.0.0.0/0"), "smtp cannot deliver on 25");
    const workerNp = named(resources, "NetworkPolicy", "scaisend-worker").spec;
    assert.deepStrictEqual(workerNp.ingress, []);
    assert.ok(!workerNp.egress.some((e: any) => e.ports?.some((p: any) => p.port === 25)), "the worker must not send mail itself");
    // MySQL is RDS inside the cluster's VPC: the worker reaches it there, and its security group admits only the nodes.
    assert.ok(workerNp.egress.some((e: any) => e.to[0].ipBlock?.cidr === "10.40.0.0/16" && e.ports[0].port === 3306), "the worker cannot reach MySQL");
  });

  it("alembic upgrade head runs once per release before every role, after a backup on dev too; none on local", async () => {
    const job = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("scaisend-migrate-"));
    assert.deepStrictEqual(container(job).command, ["alembic", "upgrade", "head"]);
    for (const r of ROLES) assert.ok(dependsOn(captured(resources, named(resources, "Deployment", r)), captured(resources, job)), r);
    const backup = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("scaisend-backup-"));
    assert.ok(backup, "no backup Job on dev");
    assert.ok(dependsOn(captured(resources, job), captured(resources, backup)), "the migration does not wait for the backup");
    const local = (await evaluateStack("local")).resources;
    assert.ok(!ofKind(local, "Job").some(j => j.metadata.name.startsWith("scaisend-backup-")));
  });

  it("the attachments bucket is versioned and nothing in it ever expires", async () => {
    const of = (type: string) => resources.find(r => r.type === type && /^scai-dev-scaisend-attachments-[0-9a-f]{8}$/.test(r.inputs.bucket))!.inputs;
    assert.deepStrictEqual(of("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration, { status: "Enabled" });
    // Only old versions and leftover delete markers go; no current attachment ever expires.
    const rules = of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
    assert.deepStrictEqual(rules.filter((r: any) => r.expiration?.days !== undefined || r.expiration?.date !== undefined), []);
  });

  it("no DNS records without a hosted zone", () => {
    assert.deepStrictEqual(resources.filter(r => r.type.startsWith("aws:route53")).map(r => r.type), []);
  });
});

describe("ScaiSend on prod: back up first", () => {
  let resources: Captured[];
  before(async () => { resources = (await evaluateStack("prod")).resources; });

  it("a mysqldump of the release's database goes to the bucket, and the migration waits for it", () => {
    const backup = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("scaisend-backup-"));
    const migrate = ofKind(resources, "Job").find(j => j.metadata.name.startsWith("scaisend-migrate-"));
    const spec = backup.spec.template.spec;
    const [dump] = spec.initContainers;
    assert.strictEqual(dump.image, "mysql:8.0");
    assert.match(dump.command[2], /set -euo pipefail\nmysqldump --single-transaction .* "\$DB_NAME" \| gzip > \/backup\/dump\.sql\.gz/);
    assert.deepStrictEqual(envOf(dump).MYSQL_PWD, { secretKeyRef: { name: "scaisend-env", key: "database-password" } });
    const upload = spec.containers[0];
    assert.strictEqual(upload.image, "amazon/aws-cli:2.22.35");
    const hash = backup.metadata.name.slice("scaisend-backup-".length);
    assert.strictEqual(hash, migrate.metadata.name.slice("scaisend-migrate-".length), "one backup per migration revision");
    assert.deepStrictEqual(upload.command.slice(0, 5), ["aws", "s3", "cp", "/backup/dump.sql.gz", `s3://$(S3_BUCKET)/backups/pre-migration/${hash}.sql.gz`]);
    assert.ok(dependsOn(captured(resources, migrate), captured(resources, backup)), "the migration does not wait for the backup");
    const np = named(resources, "NetworkPolicy", "scaisend-backup").spec;
    assert.deepStrictEqual(np.ingress, []);
  });

  it("prod runs 3 api replicas, 2 SMTP replicas and quarantines by DMARC by default", async () => {
    assert.strictEqual(named(resources, "Deployment", "scaisend-api").spec.replicas, 3);
    assert.strictEqual(named(resources, "Deployment", "scaisend-smtp").spec.replicas, 2);
    assert.strictEqual(loadEnvironment(stackSource("prod")).systems.scaisend?.dmarc.policy, "quarantine");
  });
});

describe("ScaiSend DNS (dev with a hosted zone)", () => {
  let resources: Captured[];
  let byName: Record<string, any>;
  before(async () => {
    resources = (await evaluateStack("dev", DNS)).resources;
    byName = Object.fromEntries(resources.filter(r => r.type === "aws:route53/record:Record").map(r => [`${r.inputs.name} ${r.inputs.type}`, r.inputs]));
  });

  it("A for the SMTP inbound host and the HELO host; MX for the abuse domain at the inbound host", () => {
    assert.deepStrictEqual(byName["mx.dev.scai.example.com A"].records, ["198.51.100.25"]);
    assert.deepStrictEqual(byName["mail.dev.scai.example.com A"].records, ["203.0.113.10", "203.0.113.11"]);
    assert.deepStrictEqual(byName["dev.scai.example.com MX"].records, ["10 mx.dev.scai.example.com"]);
    assert.strictEqual(byName["dev.scai.example.com MX"].zoneId, "Z0DEVSCAI000001");
  });

  it("per sender domain: SPF with the outbound IPs, DKIM at scaisend._domainkey split at 255, DMARC at _dmarc", () => {
    const dkim = `v=DKIM1; k=rsa; p=${dkimKey}`;
    for (const d of ["dev.scai.example.com", "news.dev.scai.example.com"]) {
      assert.deepStrictEqual(byName[`${d} TXT`].records, ["v=spf1 ip4:203.0.113.10 ip4:203.0.113.11 -all"]);
      assert.deepStrictEqual(byName[`scaisend._domainkey.${d} TXT`].records, [`${dkim.slice(0, 255)}""${dkim.slice(255)}`]);
      assert.deepStrictEqual(byName[`_dmarc.${d} TXT`].records, ["v=DMARC1; p=none; rua=mailto:dmarc@scai.example.com"]);
    }
  });

  it("PTR of each Elastic IP names the HELO host, after its A record exists", () => {
    const ptrs = resources.filter(r => r.type === "aws:ec2/eipDomainName:EipDomainName");
    assert.deepStrictEqual(ptrs.map(p => p.inputs), [
      { allocationId: "eipalloc-0123456789abcdef0", domainName: "mail.dev.scai.example.com" },
      { allocationId: "eipalloc-0fedcba987654321f", domainName: "mail.dev.scai.example.com" },
    ]);
    const a = resources.find(r => r.type === "aws:route53/record:Record" && r.inputs.name === "mail.dev.scai.example.com");
    for (const p of ptrs) assert.ok(dependsOn(p, a!), "PTR set before its forward record");
  });

  it("the API hostname is an alias A record to the ingress load balancer", () => {
    assert.deepStrictEqual(byName["send.dev.scai.example.com A"].aliases, [{
      name: "k8s-ingress-0123456789.elb.eu-west-1.amazonaws.com", zoneId: "Z32O12XQLNTSW2", evaluateTargetHealth: true,
    }]);
  });
});

describe("ScaiSend with ScaiSend's own hostNetwork SMTP", () => {
  let resources: Captured[];
  before(async () => {
    // dev's data services are managed by AWS, which admits host-network pods by security group, not pod label.
    resources = (await evaluateStack("dev", { systems: '["scaisend"]', "scaisend.smtp.exposure": "hostNetwork" })).resources;
  });

  it("SMTP listens on 25 in the node's network, root with only NET_BIND_SERVICE, in a privileged namespace of its own", () => {
    const smtp = ofKind(resources, "Deployment").find(d => d.metadata.name === "scaisend-smtp");
    const spec = smtp.spec.template.spec;
    assert.strictEqual(spec.hostNetwork, true);
    assert.strictEqual(spec.dnsPolicy, "ClusterFirstWithHostNet");
    assert.strictEqual(smtp.metadata.namespace, "scai-dev-smtp");
    assert.deepStrictEqual(container(smtp).ports, [{ name: "smtp", containerPort: 25, protocol: "TCP" }]);
    assert.deepStrictEqual(container(smtp).securityContext.capabilities, { drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
    assert.strictEqual(container(smtp).securityContext.allowPrivilegeEscalation, false);
    assert.strictEqual(container(smtp).securityContext.readOnlyRootFilesystem, true);
    assert.strictEqual(envOf(container(smtp)).INBOUND_SMTP_PORT, "25");
    assert.deepStrictEqual(envOf(container(smtp)).DATABASE_URL, { secretKeyRef: { name: "scaisend-smtp-env", key: "DATABASE_URL" } });
    const ns = named(resources, "Namespace", "scai-dev-smtp");
    assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
    assert.strictEqual(named(resources, "Namespace", "scai-dev").metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.ok(!ofKind(resources, "Service").some(s => s.spec.type === "LoadBalancer"));
  });

  it("is refused with in-cluster data services, whose policies cannot admit host-network pods", () => {
    assert.deepStrictEqual(configProblems("dev", { "scaisend.smtp.exposure": "hostNetwork", dataServices: "in-cluster" }), [
      'scai-platform:scaisend.smtp.exposure must be "loadBalancer" when dataServices is "in-cluster": host-network pods carry no pod labels, so in-cluster data services\' NetworkPolicies cannot admit them (got "hostNetwork")',
    ]);
  });
});

describe("ScaiSend config errors", () => {
  it("the ScaiKey client and webhook secrets are required on dev and prod", () => {
    for (const stack of ["dev", "prod"]) {
      const problems = configProblems(stack, {}, { "novitai.apiKey": "k" });
      assert.deepStrictEqual(problems, [
        "scai-platform:scaisend.scaikey.clientSecret must be set with `pulumi config set --path --secret scaisend.scaikey.clientSecret <value>` (got nothing)",
        "scai-platform:scaisend.scaikey.webhookSecret must be set with `pulumi config set --path --secret scaisend.scaikey.webhookSecret <value>` (got nothing)",
      ]);
    }
  });

  it("on local they get random stand-ins, still only in the Secret", async () => {
    const { resources } = await evaluateStack("local");
    const secret = named(resources, "Secret", "scaisend-env");
    assert.match(secret.stringData.SCAIKEY_CLIENT_SECRET, /^sEcReT/);
    assert.strictEqual(secret.stringData.SCAIKEY_CLIENT_SECRET.length, 48);
  });

  it("a malformed DKIM key, a key for an unknown domain and a domain without a key are each named", () => {
    const problems = configProblems("dev", {
      ...DNS,
      "scaisend.dkim.publicKeys": JSON.stringify(["dev.scai.example.com:not*base64", `other.scai.example.com:${dkimKey}`]),
    });
    assert.deepStrictEqual(problems, [
      'scai-platform:scaisend.dkim.publicKeys[0] must be a base64 RSA public key (the p= value of the DKIM record, PEM armour allowed) (got "not*base64")',
      'scai-platform:scaisend.dkim.publicKeys[1] must name one of senderDomains before its ":" (got "other.scai.example.com")',
      'scai-platform:scaisend.dkim.publicKeys must hold a key for every sender domain (got none for "news.dev.scai.example.com")',
    ]);
  });

  it("a bad DKIM selector, DMARC report address and policy, and a sender domain outside the zone are refused", () => {
    const problems = configProblems("dev", {
      ...DNS,
      "scaisend.dkim.selector": "Bad_Selector",
      "scaisend.dmarc.reportAddress": "not-an-address",
      "scaisend.senderDomains": '["dev.scai.example.com","example.org"]',
      "scaisend.dkim.publicKeys": JSON.stringify([`dev.scai.example.com:${dkimKey}`, `example.org:${dkimKey}`]),
    });
    assert.deepStrictEqual(problems, [
      'scai-platform:scaisend.dkim.selector must be a DNS label such as scaisend or s2025 (got "Bad_Selector")',
      'scai-platform:scaisend.senderDomains must hold dev.scai.example.com or names under it, whose hosted zone this stack writes (got "example.org")',
      'scai-platform:scaisend.dmarc.reportAddress must be an email address such as dmarc@example.com (got "not-an-address")',
    ]);
    assert.deepStrictEqual(configProblems("dev", { "scaisend.dmarc.policy": "block" }), [
      'scai-platform:scaisend.dmarc.policy must be one of "none", "quarantine", "reject" (got "block")',
    ]);
  });

  it("sender domains need outbound IPs for SPF; PTRs need their forward addresses; an MX needs inbound IPs", () => {
    const problems = configProblems("dev", { ...DNS, "scaisend.smtp.outboundIps": "[]", "scaisend.smtp.inboundIps": "[]" });
    assert.deepStrictEqual(problems, [
      "scai-platform:scaisend.smtp.outboundIps must list the addresses mail leaves from when senderDomains are set, for their SPF records (got [])",
      "scai-platform:scaisend.smtp.outboundIps must list the Elastic IPs' addresses when smtp.eipAllocationIds is set: AWS sets a PTR only to a name that already resolves to the address (got [])",
      "scai-platform:scaisend.smtp.inboundIps must list the SMTP inbound host's addresses when abuseDomain is set: its MX points there (got [])",
    ]);
    assert.deepStrictEqual(configProblems("dev", { "scaisend.smtp.outboundIps": '["203.0.113.999"]' }), [
      'scai-platform:scaisend.smtp.outboundIps must be a list of IPv4 or IPv6 addresses, without duplicates (got [203.0.113.999]: "203.0.113.999" is not one of them)',
    ]);
  });

  it("a hosted zone needs the ingress load balancer's hostname", () => {
    assert.deepStrictEqual(configProblems("dev", { "dns.zoneId": "Z0DEVSCAI000001" }), [
      "scai-platform:dns.ingressHostname must be set when dns.zoneId is, so public hostnames can point at the ingress load balancer (got nothing)",
    ]);
    assert.deepStrictEqual(configProblems("dev", { "dns.zoneId": "zone-1", "dns.ingressHostname": "lb.example.net" }), [
      'scai-platform:dns.zoneId must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ (got "zone-1")',
    ]);
  });
});

describe("ScaiSend's first run: the initial sync from ScaiKey", () => {
  const syncJobs = (r: Captured[]) => ofKind(r, "Job").filter(j => j.metadata.name.startsWith("scaisend-sync-"));
  const syncCaptured = (r: Captured[]) => r.filter(c => c.type === "kubernetes:batch/v1:Job" && c.inputs.metadata.name.startsWith("scaisend-sync-"));
  let dev: Captured[];
  before(async () => { dev = (await evaluateStack("dev")).resources; });

  it("runs `scaisend sync --full --create-roles` once, as a Job after the migration, with the services' env", () => {
    const [sync] = syncJobs(dev);
    assert.ok(sync, "no sync Job");
    assert.strictEqual(syncJobs(dev).length, 1);
    assert.deepStrictEqual(container(sync).command, ["scaisend", "sync", "--full", "--create-roles"]);
    assert.strictEqual(container(sync).image, "scailabs/scaisend:latest");
    assert.strictEqual(sync.spec.template.spec.restartPolicy, "Never");
    const migrate = ofKind(dev, "Job").find(j => j.metadata.name.startsWith("scaisend-migrate-"));
    assert.ok(dependsOn(syncCaptured(dev)[0], captured(dev, migrate)), "the sync does not wait for the schema");
    assert.deepStrictEqual(envOf(container(sync)), envOf(container(named(dev, "Deployment", "scaisend-api"))));
  });

  it("holds nothing back: the deployment does not wait for it and no service depends on it", () => {
    const [sync] = syncJobs(dev);
    assert.strictEqual(sync.metadata.annotations["pulumi.com/skipAwait"], "true");
    const syncUrn = syncCaptured(dev)[0].urn;
    assert.ok(!dev.some(r => r.dependencies.includes(syncUrn)), "something waits for the sync");
  });

  it("reaches MySQL, Redis and ScaiKey on 443, and takes nothing in", () => {
    const np = named(dev, "NetworkPolicy", "scaisend-sync").spec;
    assert.deepStrictEqual(np.ingress, []);
    assert.ok(np.egress.some((e: any) => e.ports[0].port === 3306), "no MySQL");
    assert.ok(np.egress.some((e: any) => e.ports[0].port === 6379), "no Redis");
    assert.ok(np.egress.some((e: any) => e.ports[0].port === 443 && e.to[0].ipBlock.cidr === "0.0.0.0/0"), "no ScaiKey");
    assert.ok(!np.egress.some((e: any) => e.ports.some((p: any) => p.port === 25)), "the sync sends no mail");
  });

  it("a new image or schema does not repeat it; a new ScaiKey, client or syncRevision does", async () => {
    const id = (r: Captured[]) => syncCaptured(r).map(c => [c.name, c.inputs.metadata.name].join(" "));
    const same = (await evaluateStack("dev", { "scaisend.image": "scailabs/scaisend:1.3.0", "scaisend.schemaVersion": "2" })).resources;
    assert.deepStrictEqual(id(same), id(dev));
    const job = syncCaptured(dev)[0];
    assert.strictEqual(job.name, job.inputs.metadata.name, "the resource name carries the revision, so one run is one resource");
    for (const overrides of [
      { "scaikey.url": "https://scaikey-2.dev.scai.example.com" } as Record<string, string>,
      { "scaisend.scaikey.clientId": "scaisend-dev" },
      { "scaisend.scaikey.syncRevision": "2" },
    ]) {
      const other = (await evaluateStack("dev", overrides)).resources;
      assert.notDeepStrictEqual(id(other), id(dev), JSON.stringify(overrides));
      assert.strictEqual(syncCaptured(other).length, 1);
    }
  });
});

describe("ScaiSend mail that arrives and leaves where DNS says (dev with a hosted zone)", () => {
  let resources: Captured[];
  before(async () => { resources = (await evaluateStack("dev", DNS)).resources; });

  it("inbound: the NLB is bound to the Elastic IP whose address the MX host's A record names, in its subnet", () => {
    const svc = named(resources, "Service", "scaisend-smtp");
    assert.strictEqual(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-eip-allocations"], "eipalloc-0aaaaaaaaaaaaaaa1");
    assert.strictEqual(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"], "subnet-0bbbbbbbbbbbbbbb1");
    assert.strictEqual(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
    const a = resources.find(r => r.type === "aws:route53/record:Record" && r.inputs.name === "mx.dev.scai.example.com" && r.inputs.type === "A")!;
    assert.deepStrictEqual(a.inputs.records, ["198.51.100.25"]);
  });

  it("outbound: the SMTP pods run only on nodes labelled as leaving through the addresses SPF and the PTRs name", () => {
    const smtp = named(resources, "Deployment", "scaisend-smtp");
    assert.deepStrictEqual(smtp.spec.template.spec.nodeSelector, { "scai.dev/mail-egress": "true" });
    assert.strictEqual(smtp.spec.template.metadata.annotations["scai.dev/egress-ips"], "203.0.113.10,203.0.113.11");
    const spf = resources.find(r => r.type === "aws:route53/record:Record" && r.inputs.name === "dev.scai.example.com" && r.inputs.type === "TXT")!;
    assert.deepStrictEqual(spf.inputs.records, ["v=spf1 ip4:203.0.113.10 ip4:203.0.113.11 -all"]);
    // Only the sender is pinned: the API and worker send no mail.
    for (const r of ["scaisend-api", "scaisend-worker"]) assert.strictEqual(named(resources, "Deployment", r).spec.template.spec.nodeSelector, undefined, r);
  });

  it("the node label is configurable; without outbound addresses nothing is pinned", async () => {
    const custom = (await evaluateStack("dev", { ...DNS, systems: '["scaisend"]', "scaisend.smtp.egressNodeLabel": "eks.amazonaws.com/nodegroup=mail" })).resources;
    assert.deepStrictEqual(named(custom, "Deployment", "scaisend-smtp").spec.template.spec.nodeSelector, { "eks.amazonaws.com/nodegroup": "mail" });
    const plain = (await evaluateStack("dev")).resources;
    assert.strictEqual(named(plain, "Deployment", "scaisend-smtp").spec.template.spec.nodeSelector, undefined);
    assert.strictEqual(named(plain, "Service", "scaisend-smtp").metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-eip-allocations"], undefined);
  });

  it("refuses an A record nothing binds, unpaired subnets, EIPs without the NLB, and SPF addresses without their PTR", () => {
    assert.deepStrictEqual(configProblems("dev", { ...DNS, "scaisend.smtp.inboundEipAllocationIds": "[]", "scaisend.smtp.inboundSubnets": "[]" }), [
      "scai-platform:scaisend.smtp.inboundEipAllocationIds must hold the Elastic IP of each address of smtp.inboundIps (1), in order: an NLB's own addresses change, so the A record would name addresses nothing binds (got 0)",
    ]);
    assert.deepStrictEqual(configProblems("dev", { ...DNS, "scaisend.smtp.inboundSubnets": "[]" }), [
      "scai-platform:scaisend.smtp.inboundSubnets must name one public subnet per Elastic IP of smtp.inboundEipAllocationIds (1): the load balancer controller pairs them (got 0)",
    ]);
    assert.deepStrictEqual(configProblems("dev", { ...DNS, "scaisend.smtp.loadBalancerClass": "generic" }), [
      'scai-platform:scaisend.smtp.inboundEipAllocationIds needs smtp.exposure "loadBalancer" and smtp.loadBalancerClass "aws-nlb": only the AWS Load Balancer Controller binds Elastic IPs (got loadBalancer, generic)',
    ]);
    assert.deepStrictEqual(configProblems("dev", { ...DNS, "scaisend.smtp.eipAllocationIds": '["eipalloc-0123456789abcdef0"]' }), [
      "scai-platform:scaisend.smtp.eipAllocationIds must hold one Elastic IP per address of smtp.outboundIps (2), so every address SPF names has its PTR (got 1)",
    ]);
    assert.deepStrictEqual(configProblems("dev", { "scaisend.smtp.egressNodeLabel": "no label" }).map(p => p.split(" must ")[0]), ["scai-platform:scaisend.smtp.egressNodeLabel"]);
  });
});
