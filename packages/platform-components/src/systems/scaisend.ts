/**
 * ScaiSend: one image, three services sharing one env. `api` (`scaisend serve`, HTTP
 * on 8000, the only role behind an Ingress), `worker` (arq) and `smtp` (aiosmtpd, port 25 from
 * the internet). MySQL 8, Redis and an attachments bucket that never expires. `alembic upgrade
 * head` runs once per release, after a dump of the database on the profiles that ask for it.
 * With a hosted zone: A records for the mail hosts, MX for the abuse domain, SPF/DKIM/DMARC per
 * sender domain, and PTR records for Elastic IPs.
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketRequest, databaseUrl, redisUrl } from "../components/data/data-plane";
import { MailDomainRecords } from "../components/dns/mail-domain-records";
import {
  DMARC_POLICIES, checkDkimPublicKey, checkDkimSelector, ipFamily, isMailbox, isWithin,
} from "../components/dns/record-values";
import { ReverseDns } from "../components/dns/reverse-dns";
import { AppSecret } from "../components/k8s/app-secret";
import { DatabaseDumpJob } from "../components/k8s/database-dump-job";
import { EnvironmentNamespace } from "../components/k8s/environment-namespace";
import { clientLabel, internetEgress } from "../components/k8s/network";
import { OneShotJob } from "../components/k8s/one-shot-job";
import { EnvValue, envVars } from "../components/k8s/pod-spec";
import { WebIngress } from "../components/k8s/web-ingress";
import { Workload } from "../components/k8s/workload";
import {
  Profile, Values, boolean, cpu, hostname, httpsUrl, image, integer, isHostname, isImmutableImageRef, list, memory, oneOf,
  secret, text,
} from "../config/schema";
import { SystemArgs, SystemComponent, defaultHost, defineSystem, ingressControllerPeer, instanceHost, sqlName } from "./context";

export const SCAISEND = "scaisend";

/** Facts ScaiSend's operators require, not configuration. */
export const SCAISEND_SEED = {
  apiPort: 8000,
  probes: { liveness: "/health", readiness: "/ready" },
  /** The port remote MTAs connect to. */
  smtpPort: 25,
  /** Where the SMTP process listens when a load balancer forwards 25 to it: unprivileged, so the pod stays non-root. */
  smtpListenPort: 2525,
  jwksPath: "/.well-known/jwks.json",
  /** The first-run mirror of ScaiKey: every partner, tenant, user and group, and the default admin/developer/viewer roles per tenant. */
  syncCommand: ["scaisend", "sync", "--full", "--create-roles"],
  dkimLabel: "_domainkey",
  pdbMinAvailable: 1,
} as const;

const perProfile = <T>(local: T, dev: T, prod: T) => ({ local, dev, prod });
const isIp = (v: string) => ipFamily(v) !== undefined;

export const scaisendSchema = {
  scaisend: {
    image: image({
      description: "ScaiSend image (serve, worker, smtp and alembic). Prod requires a tag other than latest or a digest.",
      default: { local: "scailabs/scaisend:latest", dev: "scailabs/scaisend:latest", prod: undefined },
    }),
    hostname: hostname({ description: "Public API hostname (TRACKING_BASE_URL, ADMIN_URL). Default: send.<domain>.", optional: true }),
    schemaVersion: text({ description: "Bump to run the migration Job (and its backup) again for the same image.", default: "1" }),
    backupBeforeMigration: boolean({
      description: "Dump MySQL to the attachments bucket (backups/pre-migration/) before `alembic upgrade head` (ScaiSend: back up first).",
      // dev too: its data is worth a restore point, and a migration that breaks there is the one to roll back.
      default: perProfile(false, true, true),
    }),
    maxBackupSize: memory({ description: "Largest database dump the backup Job's scratch volume holds.", default: "10Gi" }),
    scaikey: {
      clientId: text({ description: "SCAIKEY_CLIENT_ID.", default: "scaisend" }),
      clientSecret: secret({ description: "SCAIKEY_CLIENT_SECRET (from `scaisend register`). Optional on local only.", optional: perProfile(true, false, false) }),
      webhookSecret: secret({ description: "SCAIKEY_WEBHOOK_SECRET. Optional on local only.", optional: perProfile(true, false, false) }),
      jwksUrl: httpsUrl({ description: "SCAIKEY_JWKS_URL. Default: <scaikey.url>/.well-known/jwks.json.", optional: true }),
      syncRevision: text({
        description: "Bump to run `scaisend sync --full --create-roles` again with the same ScaiKey (after a long ScaiKey outage, or a database restore). It also runs whenever scaikey.url or scaikey.clientId changes.",
        default: "1",
      }),
    },
    api: {
      replicas: integer({ description: "API pods (stateless: add replicas freely).", min: 1, default: perProfile(1, 2, 3) }),
      cpu: cpu({ description: "CPU request per API pod.", default: perProfile("100m", "250m", "500m") }),
      cpuLimit: cpu({ description: "CPU limit per API pod.", default: perProfile("500m", "1", "2") }),
      memory: memory({ description: "Memory request and limit per API pod.", default: perProfile("256Mi", "512Mi", "1Gi") }),
    },
    worker: {
      replicas: integer({ description: "Worker pods (template rendering, webhooks, stats).", min: 1, default: perProfile(1, 2, 3) }),
      cpu: cpu({ description: "CPU request per worker pod.", default: perProfile("100m", "250m", "500m") }),
      cpuLimit: cpu({ description: "CPU limit per worker pod.", default: perProfile("500m", "1", "2") }),
      memory: memory({ description: "Memory request and limit per worker pod.", default: perProfile("256Mi", "512Mi", "1Gi") }),
    },
    smtp: {
      exposure: oneOf(["loadBalancer", "hostNetwork"] as const, {
        description: "How port 25 reaches the SMTP pods: a LoadBalancer Service (externalTrafficPolicy Local, pod stays PSS restricted), or ScaiSend's own hostNetwork in a namespace of its own (needs dataServices aws).",
        default: "loadBalancer",
      }),
      replicas: integer({ description: "SMTP pods (one inbound replica is usually plenty).", min: 1, default: perProfile(1, 1, 2) }),
      cpu: cpu({ description: "CPU request per SMTP pod.", default: perProfile("100m", "250m", "500m") }),
      cpuLimit: cpu({ description: "CPU limit per SMTP pod.", default: perProfile("500m", "1", "1") }),
      memory: memory({ description: "Memory request and limit per SMTP pod.", default: perProfile("256Mi", "512Mi", "512Mi") }),
      hostname: hostname({ description: "SMTP inbound hostname (A/AAAA record, MX target). Default: mx.<domain>.", optional: true }),
      heloHostname: hostname({ description: "SMTP_HELO_HOSTNAME; the PTR of every outbound IP names it and it resolves to them. Default: mail.<domain>.", optional: true }),
      inboundIps: list<string>({ description: "Public IPs the SMTP inbound host answers on (its A/AAAA record).", itemCheck: isIp, itemExpectation: "IPv4 or IPv6 addresses", default: [] }),
      outboundIps: list<string>({ description: "Public IPs mail leaves from (NAT gateway or node addresses): SPF and the HELO host's A/AAAA.", itemCheck: isIp, itemExpectation: "IPv4 or IPv6 addresses", default: [] }),
      eipAllocationIds: list<string>({
        description: "Elastic IP allocation ids of the outbound IPs: their PTR is set to smtp.heloHostname. Other addresses get PTR from their owner.",
        itemCheck: v => /^eipalloc-[0-9a-f]{8,17}$/.test(v),
        itemExpectation: "Elastic IP allocation ids (eipalloc-...)",
        default: [],
      }),
      inboundEipAllocationIds: list<string>({
        description: "Elastic IPs the internet-facing NLB answers on, one per subnet of smtp.inboundSubnets (AWS Load Balancer Controller eip-allocations): the addresses smtp.inboundIps names, in the same order. Required with aws-nlb when inboundIps is set.",
        itemCheck: v => /^eipalloc-[0-9a-f]{8,17}$/.test(v),
        itemExpectation: "Elastic IP allocation ids (eipalloc-...)",
        default: [],
      }),
      inboundSubnets: list<string>({
        description: "Public subnets of the SMTP NLB, one per inbound Elastic IP (AWS Load Balancer Controller subnets).",
        itemCheck: v => /^subnet-[0-9a-f]{8,17}$/.test(v),
        itemExpectation: "subnet ids (subnet-...)",
        default: [],
      }),
      egressNodeLabel: text({
        description: "Node label (key=value) the SMTP pods are pinned to whenever smtp.outboundIps is set: the cluster puts it only on nodes whose traffic to the internet leaves from exactly those addresses (docs/systems.md).",
        expectation: "a node label as key=value, such as scai.dev/mail-egress=true",
        check: v => /^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]{0,62}=[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(v),
        default: "scai.dev/mail-egress=true",
      }),
      loadBalancerClass: oneOf(["aws-nlb", "generic"] as const, {
        description: "aws-nlb: annotate the Service for the AWS Load Balancer Controller (internet-facing NLB, instance targets). generic: no annotations.",
        default: perProfile<"aws-nlb" | "generic">("generic", "aws-nlb", "aws-nlb"),
      }),
      poolSizePerDomain: integer({ description: "SMTP_POOL_SIZE_PER_DOMAIN.", min: 1, default: 5 }),
      connectTimeout: integer({ description: "SMTP_CONNECT_TIMEOUT, seconds.", min: 1, default: 30 }),
      commandTimeout: integer({ description: "SMTP_COMMAND_TIMEOUT, seconds.", min: 1, default: 60 }),
      maxRetries: integer({ description: "SMTP_MAX_RETRIES.", min: 0, default: 5 }),
      retryBaseDelay: integer({ description: "SMTP_RETRY_BASE_DELAY, seconds.", min: 1, default: 60 }),
    },
    abuseDomain: hostname({ description: "Domain of the abuse/FBL address; its MX points at smtp.hostname. Default: no MX.", optional: true }),
    senderDomains: list<string>({
      description: "Domains mail is sent from (the domain or subdomains of it): SPF, DKIM and DMARC records for each.",
      itemCheck: isHostname,
      itemExpectation: "hostnames",
      default: [],
    }),
    spfAll: oneOf(["-all", "~all"] as const, { description: "SPF verdict for senders not listed (fail or softfail).", default: "-all" }),
    dkim: {
      selector: text({ description: "DKIM selector: records at <selector>._domainkey.<sender domain>.", default: "scaisend" }),
      publicKeys: list<string>({
        description: "One \"<sender domain>:<base64 RSA public key>\" per sender domain (the p= of its DKIM record).",
        itemCheck: v => v.includes(":"),
        itemExpectation: "\"<domain>:<base64 key>\" entries",
        default: [],
      }),
    },
    dmarc: {
      policy: oneOf(DMARC_POLICIES, {
        description: "DMARC p= for every sender domain.",
        default: perProfile<"none" | "quarantine" | "reject">("none", "none", "quarantine"),
      }),
      reportAddress: text({ description: "DMARC aggregate reports go here (rua=mailto:...). Default: none.", optional: true }),
    },
  },
};

export type ScaiSendSettings = Values<typeof scaisendSchema>["scaisend"];

/** The DKIM key of each sender domain, parsed from `dkim.publicKeys`. */
function dkimKeys(s: ScaiSendSettings): Map<string, string> {
  return new Map(s.dkim.publicKeys.map(entry => {
    const at = entry.indexOf(":");
    return [entry.slice(0, at), entry.slice(at + 1)];
  }));
}

/** `key=value` as a nodeSelector. */
function nodeLabel(label: string): Record<string, string> {
  const at = label.indexOf("=");
  return { [label.slice(0, at)]: label.slice(at + 1) };
}

/** Checks across keys, after each key is valid on its own. */
export function checkScaiSend(s: ScaiSendSettings, ctx: { profile: Profile; project: string; domain: string; dataServices?: string }): string[] {
  const k = (key: string) => `${ctx.project}:scaisend.${key}`;
  const problems: string[] = [];
  if (ctx.profile === "prod" && !isImmutableImageRef(s.image)) {
    problems.push(`${k("image")} must be pinned on prod to a digest or a version tag, not latest, main, master, dev or stable (got "${s.image}")`);
  }
  if (s.smtp.exposure === "hostNetwork" && ctx.dataServices !== "aws") {
    problems.push(`${k("smtp.exposure")} must be "loadBalancer" when dataServices is "${ctx.dataServices ?? "in-cluster"}": host-network pods carry no pod labels, so in-cluster data services' NetworkPolicies cannot admit them (got "hostNetwork")`);
  }
  problems.push(...checkDkimSelector(k("dkim.selector"), s.dkim.selector));
  for (const d of s.senderDomains) {
    if (!isWithin(d, ctx.domain)) problems.push(`${k("senderDomains")} must hold ${ctx.domain} or names under it, whose hosted zone this stack writes (got "${d}")`);
  }
  const keys = dkimKeys(s);
  s.dkim.publicKeys.forEach((entry, i) => {
    const domain = entry.slice(0, entry.indexOf(":"));
    if (!s.senderDomains.includes(domain)) problems.push(`${k(`dkim.publicKeys[${i}]`)} must name one of senderDomains before its ":" (got "${domain}")`);
    problems.push(...checkDkimPublicKey(`${k(`dkim.publicKeys[${i}]`)}`, keys.get(domain)!));
  });
  for (const d of s.senderDomains.filter(d => !keys.has(d))) {
    problems.push(`${k("dkim.publicKeys")} must hold a key for every sender domain (got none for "${d}")`);
  }
  if (s.senderDomains.length > 0 && s.smtp.outboundIps.length === 0) {
    problems.push(`${k("smtp.outboundIps")} must list the addresses mail leaves from when senderDomains are set, for their SPF records (got [])`);
  }
  if (s.smtp.eipAllocationIds.length > 0 && s.smtp.outboundIps.length === 0) {
    problems.push(`${k("smtp.outboundIps")} must list the Elastic IPs' addresses when smtp.eipAllocationIds is set: AWS sets a PTR only to a name that already resolves to the address (got [])`);
  }
  if (s.smtp.eipAllocationIds.length > 0 && s.smtp.outboundIps.length > 0 && s.smtp.eipAllocationIds.length !== s.smtp.outboundIps.length) {
    problems.push(`${k("smtp.eipAllocationIds")} must hold one Elastic IP per address of smtp.outboundIps (${s.smtp.outboundIps.length}), so every address SPF names has its PTR (got ${s.smtp.eipAllocationIds.length})`);
  }
  const inboundEips = s.smtp.inboundEipAllocationIds;
  if (inboundEips.length !== s.smtp.inboundSubnets.length) {
    problems.push(`${k("smtp.inboundSubnets")} must name one public subnet per Elastic IP of smtp.inboundEipAllocationIds (${inboundEips.length}): the load balancer controller pairs them (got ${s.smtp.inboundSubnets.length})`);
  }
  const nlb = s.smtp.exposure === "loadBalancer" && s.smtp.loadBalancerClass === "aws-nlb";
  if (inboundEips.length > 0 && !nlb) {
    problems.push(`${k("smtp.inboundEipAllocationIds")} needs smtp.exposure "loadBalancer" and smtp.loadBalancerClass "aws-nlb": only the AWS Load Balancer Controller binds Elastic IPs (got ${s.smtp.exposure}, ${s.smtp.loadBalancerClass})`);
  }
  if (nlb && s.smtp.inboundIps.length > 0 && inboundEips.length !== s.smtp.inboundIps.length) {
    problems.push(`${k("smtp.inboundEipAllocationIds")} must hold the Elastic IP of each address of smtp.inboundIps (${s.smtp.inboundIps.length}), in order: an NLB's own addresses change, so the A record would name addresses nothing binds (got ${inboundEips.length})`);
  }
  if (s.abuseDomain !== undefined && s.smtp.inboundIps.length === 0) {
    problems.push(`${k("smtp.inboundIps")} must list the SMTP inbound host's addresses when abuseDomain is set: its MX points there (got [])`);
  }
  if (s.dmarc.reportAddress !== undefined && !isMailbox(s.dmarc.reportAddress)) {
    problems.push(`${k("dmarc.reportAddress")} must be an email address such as dmarc@example.com (got "${s.dmarc.reportAddress}")`);
  }
  return problems;
}

/** What a ScaiSend instance is deployed with: `context` (its environment) and `settings` (its validated config). */
export type ScaiSendArgs = SystemArgs<ScaiSendSettings>;

/** One ScaiSend: the environment's own is named after its kind; any other instance derives every name, host and data service from its own name. */
export class ScaiSend extends SystemComponent<ScaiSendSettings> {
  public readonly url: string;
  public readonly apiAddress: pulumi.Output<string>;
  public readonly secretName: pulumi.Output<string>;
  public readonly bucket: pulumi.Output<string>;
  public readonly bucketArn?: pulumi.Output<string>;
  public readonly databaseHost: pulumi.Output<string>;
  public readonly redisHost: pulumi.Output<string>;

  constructor(instance: string, args: ScaiSendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scai:system:ScaiSend", instance, args, opts);
    const { context: ctx, settings: s } = args;
    const img = ctx.images.resolve(SCAISEND, s.image, this, instance);
    const { naming } = ctx;
    const ns = ctx.namespace;
    const child = { parent: this };
    const host = s.hostname ?? defaultHost(ctx, SCAISEND, instance, "send");
    const smtpHost = s.smtp.hostname ?? instanceHost(ctx, SCAISEND, instance, "mx");
    const heloHost = s.smtp.heloHostname ?? instanceHost(ctx, SCAISEND, instance, "mail");
    const hostNetwork = s.smtp.exposure === "hostNetwork";
    const name = (...parts: string[]) => naming.k8s(instance, ...parts);
    const labels = (role: string) => naming.labels(SCAISEND, role, instance);
    const roles = { api: name("api"), worker: name("worker"), smtp: name("smtp"), migrate: name("migrate"), backup: name("backup"), sync: name("sync") };

    const db = ctx.data.database(instance, { engine: "mysql", database: sqlName(instance), username: sqlName(instance) }, this);
    const redis = ctx.data.redis(instance, { maxmemoryPolicy: "noeviction" }, this);
    const bucketRequest: BucketRequest = {
      purpose: "attachments",
      // Attachments cannot be regenerated: nothing in the bucket ever expires.
      retain: [""],
      abortIncompleteUploadsAfterDays: 1,
      serviceAccounts: [roles.api, roles.worker, roles.smtp, roles.backup],
    };
    const bucket = ctx.data.bucket(instance, bucketRequest, this);

    const secretValues = {
      DATABASE_URL: databaseUrl("mysql+aiomysql", db),
      REDIS_URL: redisUrl(redis),
      S3_ACCESS_KEY: bucket.credentials?.accessKeyId,
      S3_SECRET_KEY: bucket.credentials?.secretAccessKey,
      SCAIKEY_CLIENT_SECRET: s.scaikey.clientSecret,
      SCAIKEY_WEBHOOK_SECRET: s.scaikey.webhookSecret,
      // Not an app variable: the backup Job's dump tool reads it.
      "database-password": db.password,
    };
    // On local, where the ScaiKey secrets are optional, a random stand-in keeps the env complete.
    const standIns = {
      ...(s.scaikey.clientSecret === undefined ? { SCAIKEY_CLIENT_SECRET: { length: 48 } } : {}),
      ...(s.scaikey.webhookSecret === undefined ? { SCAIKEY_WEBHOOK_SECRET: { length: 48 } } : {}),
    } as Record<"SCAIKEY_CLIENT_SECRET" | "SCAIKEY_WEBHOOK_SECRET", { length: number }>;
    const secret = new AppSecret(name("env"), {
      namespace: ns, labels: labels("env"), rotation: ctx.secretsRotation, mirror: ctx.secretStore, generated: standIns, values: secretValues,
    }, child);
    this.secretName = secret.secretName;

    const envFor = (sec: AppSecret<string, string>, listenPort: number) => envVars({
      DATABASE_URL: sec.ref("DATABASE_URL"),
      REDIS_URL: sec.ref("REDIS_URL"),
      S3_ENDPOINT_URL: bucket.endpoint,
      S3_ACCESS_KEY: sec.has("S3_ACCESS_KEY") ? sec.ref("S3_ACCESS_KEY") : undefined,
      S3_SECRET_KEY: sec.has("S3_SECRET_KEY") ? sec.ref("S3_SECRET_KEY") : undefined,
      S3_BUCKET: bucket.bucket,
      // Read by boto inside the app to sign S3 requests when no static keys are given (IRSA).
      AWS_REGION: bucket.region,
      SCAIKEY_API_URL: ctx.identityProviderUrl,
      SCAIKEY_CLIENT_ID: s.scaikey.clientId,
      SCAIKEY_CLIENT_SECRET: sec.ref("SCAIKEY_CLIENT_SECRET"),
      SCAIKEY_WEBHOOK_SECRET: sec.ref("SCAIKEY_WEBHOOK_SECRET"),
      SCAIKEY_JWKS_URL: s.scaikey.jwksUrl ?? `${ctx.identityProviderUrl.replace(/\/$/, "")}${SCAISEND_SEED.jwksPath}`,
      SMTP_HELO_HOSTNAME: heloHost,
      SMTP_POOL_SIZE_PER_DOMAIN: String(s.smtp.poolSizePerDomain),
      SMTP_CONNECT_TIMEOUT: String(s.smtp.connectTimeout),
      SMTP_COMMAND_TIMEOUT: String(s.smtp.commandTimeout),
      SMTP_MAX_RETRIES: String(s.smtp.maxRetries),
      SMTP_RETRY_BASE_DELAY: String(s.smtp.retryBaseDelay),
      INBOUND_SMTP_HOST: "0.0.0.0",
      INBOUND_SMTP_PORT: String(listenPort),
      TRACKING_BASE_URL: `https://${host}`,
      ADMIN_URL: `https://${host}`,
    } satisfies Record<string, EnvValue>);
    // All three services share one env; only the SMTP listener's port differs by exposure.
    const smtpListenPort = hostNetwork ? SCAISEND_SEED.smtpPort : SCAISEND_SEED.smtpListenPort;
    const env_ = envFor(secret, smtpListenPort);
    const scaikeyEgress = internetEgress([443]);

    // Back up first (ScaiSend's upgrade rule): migrations are forward-only and rolling back means restoring.
    const revision = `${img.revision}\nschema ${s.schemaVersion}`;
    const backup = s.backupBeforeMigration
      ? new DatabaseDumpJob(roles.backup, {
          namespace: ns,
          selector: labels("backup"),
          engine: "mysql",
          database: { host: db.host, port: db.port, name: db.database, username: db.username, password: secret.ref("database-password") },
          destination: {
            endpoint: bucket.endpoint,
            region: bucket.region,
            bucket: bucket.bucket,
            accessKeyId: secret.has("S3_ACCESS_KEY") ? secret.ref("S3_ACCESS_KEY") : undefined,
            secretAccessKey: secret.has("S3_SECRET_KEY") ? secret.ref("S3_SECRET_KEY") : undefined,
          },
          revision,
          maxDumpSize: s.maxBackupSize,
          uses: [db.access, bucket.access],
          serviceAccountAnnotations: bucket.serviceAccountAnnotations,
        }, { parent: this, dependsOn: [secret, ...db.ready, ...bucket.ready] })
      : undefined;

    const migration = new OneShotJob(roles.migrate, {
      namespace: ns,
      selector: labels("migrate"),
      image: img.ref,
      command: ["alembic", "upgrade", "head"],
      env: env_,
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      revision,
      uses: [db.access],
    }, { parent: this, dependsOn: [secret, ...db.ready, ...(backup ? [backup] : [])] });

    // The initial sync from ScaiKey, after the schema exists. Its inputs are which ScaiKey and which
    // client (and the operator's syncRevision), not the image: once mirrored, ScaiKey's webhooks keep
    // the data current, so a release does not repeat it. Nothing waits for it: a ScaiKey that is
    // unreachable (or a registration not yet approved) must not hold back the API, and the Job's
    // own status says whether it ran (docs/systems.md).
    new OneShotJob(roles.sync, {
      namespace: ns,
      selector: labels("sync"),
      image: img.ref,
      command: [...SCAISEND_SEED.syncCommand],
      env: env_,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      revision: [`scaikey ${ctx.identityProviderUrl}`, `client ${s.scaikey.clientId}`, `database ${sqlName(instance)}`, `sync ${s.scaikey.syncRevision}`].join("\n"),
      oncePerRevision: true,
      await: false,
      backoffLimit: 6,
      uses: [db.access, redis.access],
      allowEgress: [scaikeyEgress],
    }, { parent: this, dependsOn: [migration, secret, ...redis.ready] });

    const after = { parent: this, dependsOn: [migration, secret, ...redis.ready, ...bucket.ready] };
    const uses = [db.access, redis.access, bucket.access];
    const irsa = bucket.serviceAccountAnnotations;

    const api = new Workload(roles.api, {
      namespace: ns,
      selector: labels("api"),
      image: img.ref,
      command: ["scaisend", "serve", "--host", "0.0.0.0", "--port", String(SCAISEND_SEED.apiPort)],
      replicas: s.api.replicas,
      port: { name: "http", containerPort: SCAISEND_SEED.apiPort },
      probes: {
        liveness: { kind: "http", path: SCAISEND_SEED.probes.liveness, port: "http" },
        readiness: { kind: "http", path: SCAISEND_SEED.probes.readiness, port: "http" },
        initialDelaySeconds: 10,
      },
      resources: { requests: { cpu: s.api.cpu, memory: s.api.memory }, limits: { cpu: s.api.cpuLimit, memory: s.api.memory } },
      env: env_,
      minAvailable: SCAISEND_SEED.pdbMinAvailable,
      uses,
      // Browsers and ScaiKey's webhooks through the ingress controller; the environment's other
      // systems that send mail through ScaiSend (systems/links.ts) wear its client label.
      allowFrom: [ingressControllerPeer(ctx), { podSelector: { matchLabels: clientLabel(roles.api) } }],
      allowEgress: [scaikeyEgress],
      serviceAccountAnnotations: irsa,
    }, after);
    this.apiAddress = pulumi.interpolate`http://${api.serviceName}.${ns}.svc.cluster.local:${SCAISEND_SEED.apiPort}`;

    new Workload(roles.worker, {
      namespace: ns,
      selector: labels("worker"),
      image: img.ref,
      command: ["scaisend", "worker"],
      replicas: s.worker.replicas,
      probes: { none: "arq worker has no listener; Kubernetes restarts it when it exits" },
      resources: { requests: { cpu: s.worker.cpu, memory: s.worker.memory }, limits: { cpu: s.worker.cpuLimit, memory: s.worker.memory } },
      env: env_,
      minAvailable: SCAISEND_SEED.pdbMinAvailable,
      uses,
      // ScaiKey, and webhooks delivered to customers' HTTPS endpoints.
      allowEgress: [scaikeyEgress],
      serviceAccountAnnotations: irsa,
      terminationGracePeriodSeconds: 120,
    }, after);

    // Host networking is outside every Pod Security level but "privileged", so that pod gets a
    // namespace of its own (with its own copy of the env Secret) instead of weakening this one.
    const smtpNamespaceName = instance === SCAISEND ? `${ctx.namespaceName}-smtp` : `${ctx.namespaceName}-${instance}-smtp`;
    const smtpNamespace = hostNetwork
      ? new EnvironmentNamespace(smtpNamespaceName, {
          name: smtpNamespaceName,
          podSecurity: "privileged",
          labels: { "scai.dev/environment": naming.environment },
        }, child).name
      : ns;
    const smtpSecret = hostNetwork
      ? new AppSecret(name("smtp-env"), {
          namespace: smtpNamespace, labels: labels("env"), rotation: ctx.secretsRotation,
          values: { ...secretValues, ...secret.generated },
        }, child)
      : secret;
    new Workload(roles.smtp, {
      namespace: smtpNamespace,
      selector: labels("smtp"),
      image: img.ref,
      command: ["scaisend", "smtp"],
      replicas: s.smtp.replicas,
      port: { name: "smtp", containerPort: smtpListenPort, servicePort: SCAISEND_SEED.smtpPort },
      probes: { liveness: { kind: "tcp", port: "smtp" }, readiness: { kind: "tcp", port: "smtp" }, initialDelaySeconds: 10 },
      resources: { requests: { cpu: s.smtp.cpu, memory: s.smtp.memory }, limits: { cpu: s.smtp.cpuLimit, memory: s.smtp.memory } },
      env: hostNetwork ? envFor(smtpSecret, smtpListenPort) : env_,
      minAvailable: SCAISEND_SEED.pdbMinAvailable,
      uses,
      hostNetwork,
      bindLowPorts: hostNetwork,
      loadBalancer: hostNetwork ? undefined : {
        externalTrafficPolicy: "Local",
        annotations: s.smtp.loadBalancerClass === "aws-nlb" ? {
          "service.beta.kubernetes.io/aws-load-balancer-type": "external",
          "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
          // Instance targets with externalTrafficPolicy Local keep the sender's address for DSN/FBL logs.
          "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
          // The NLB answers on the Elastic IPs the MX host's A record names (one per subnet, paired
          // in order), not on addresses AWS picks and may change.
          ...(s.smtp.inboundEipAllocationIds.length > 0 ? {
            "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": s.smtp.inboundEipAllocationIds.join(","),
            "service.beta.kubernetes.io/aws-load-balancer-subnets": s.smtp.inboundSubnets.join(","),
          } : {}),
        } : undefined,
      },
      // DSNs and FBL reports arrive from any mail server on the internet.
      allowFrom: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
      // Direct delivery to recipients' MX on 25; ScaiKey on 443.
      allowEgress: [internetEgress([SCAISEND_SEED.smtpPort]), scaikeyEgress],
      // Mail must leave from the addresses SPF, the HELO host and the PTRs name: only nodes the
      // cluster labels as egressing through exactly those addresses may run the sender.
      nodeSelector: s.smtp.outboundIps.length > 0 ? nodeLabel(s.smtp.egressNodeLabel) : undefined,
      podAnnotations: s.smtp.outboundIps.length > 0 ? { "scai.dev/egress-ips": s.smtp.outboundIps.join(",") } : undefined,
      serviceAccountAnnotations: irsa,
      terminationGracePeriodSeconds: 60,
    }, { ...after, dependsOn: [...after.dependsOn, smtpSecret] });

    new WebIngress(name("web"), {
      namespace: ns,
      labels: labels("web"),
      host,
      className: ctx.ingress.className,
      clusterIssuer: ctx.ingress.clusterIssuer,
      maxBodySize: "30m",
      routes: [{ path: "/", serviceName: api.serviceName!, servicePort: "http" }],
    }, { parent: this, dependsOn: [api] });

    if (ctx.dns) {
      const keys = dkimKeys(s);
      const mail = new MailDomainRecords(name("mail-dns"), {
        zoneId: ctx.dns.zoneId,
        ttl: ctx.dns.ttl,
        otherTxt: ctx.dns.otherTxt,
        hosts: [
          { hostname: smtpHost, ips: s.smtp.inboundIps },
          { hostname: heloHost, ips: s.smtp.outboundIps },
        ].filter(h => h.ips.length > 0),
        abuseDomain: s.abuseDomain,
        mx: smtpHost,
        senderDomains: s.senderDomains.map(domain => ({
          domain,
          outboundIps: s.smtp.outboundIps,
          spfAll: s.spfAll,
          dkim: { selector: s.dkim.selector, publicKey: keys.get(domain)! },
          dmarc: { policy: s.dmarc.policy, reportAddress: s.dmarc.reportAddress },
        })),
      }, child);
      if (s.smtp.eipAllocationIds.length > 0) {
        new ReverseDns(name("ptr"), { allocationIds: s.smtp.eipAllocationIds, hostname: heloHost }, { parent: this, dependsOn: mail.forwardRecords });
      }
    }

    this.url = `https://${host}`;
    this.bucket = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.databaseHost = db.host;
    this.redisHost = redis.host;
    this.registerContract();
  }
}

/** ScaiSend as the platform deploys it: config key `scaisend`, its schema, checks and deployer. */
export const scaisendSystem = defineSystem({
  name: SCAISEND,
  schema: scaisendSchema,
  check: checkScaiSend,
  deploy: (name, args, opts) => new ScaiSend(name, args, opts),
});
