/**
 * The datacenter's secret material, generated in Pulumi (secrets in state) and handed to
 * the VMs through Secret Manager: a CA and certificates, gossip keys, the Consul and Nomad
 * management tokens, pre-generated agent tokens, optional licenses. Each secret grants
 * `secretAccessor` only to the service accounts that need it; startup scripts get names.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { SecretNames, TokenAccessors, consulClientName } from "../config/constants";

/** Arguments of {@link ClusterSecrets}. */
export interface ClusterSecretsArgs {
  project: string;
  datacenter: string;
  /** The control-plane LB's IP: a SAN, so clients verify TLS through the LB. */
  controlPlaneIp: pulumi.Input<string>;
  serverAccountEmail: pulumi.Input<string>;
  clientAccountEmail: pulumi.Input<string>;
  consulLicense?: pulumi.Input<string>;
  nomadLicense?: pulumi.Input<string>;
  /**
   * Protect the CA key against deletion and replacement (default false). A new CA key
   * invalidates every certificate: all agents would have to be re-created. The key lives only
   * in Pulumi state, so `retainOnDelete` would keep nothing: `protect` is the guard.
   */
  protectCaKey?: boolean;
}

/** Which roles read a secret. */
type Readers = ("server" | "client")[];

/** Certificate lifetime: 5 years; rotation is a deliberate `pulumi up` with a replaced key. */
const CERT_HOURS = 5 * 365 * 24;

/** Material, Secret Manager entries and IAM for one datacenter. */
export class ClusterSecrets extends pulumi.ComponentResource {
  /** Secret names each role's startup script reads. */
  public readonly names: { server: SecretNames; client: SecretNames };
  /** Accessor IDs of the pre-generated agent tokens (not secret). */
  public readonly accessors: pulumi.Output<TokenAccessors>;
  public readonly caCertPem: pulumi.Output<string>;
  /** Consul initial management token (secret). */
  public readonly consulToken: pulumi.Output<string>;
  /** Nomad bootstrap management token (secret). */
  public readonly nomadToken: pulumi.Output<string>;
  /**
   * Per role, the versions of the secrets it reads and its access grants: its VMs must not
   * boot before these exist (and need not wait for the other role's).
   */
  public readonly bootDependencies: Record<"server" | "client", pulumi.Resource[]> = {
    server: [],
    client: [],
  };

  constructor(name: string, args: ClusterSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:gcp:ClusterSecrets", name, {}, opts);
    const dc = args.datacenter;
    const child = { parent: this };

    const caKey = new tls.PrivateKey(
      `${name}-ca-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { ...child, protect: args.protectCaKey ?? false },
    );
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        validityPeriodHours: CERT_HOURS,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        subject: { commonName: `hashistack ${dc} CA`, organization: "hashistack" },
      },
      child,
    );
    this.caCertPem = ca.certPem;
    const cert = (role: string, dnsNames: string[], ipAddresses: pulumi.Input<string>[]) => {
      const key = new tls.PrivateKey(
        `${name}-${role}-key`,
        { algorithm: "ECDSA", ecdsaCurve: "P256" },
        child,
      );
      const csr = new tls.CertRequest(
        `${name}-${role}-csr`,
        {
          privateKeyPem: key.privateKeyPem,
          dnsNames,
          ipAddresses,
          subject: { commonName: dnsNames[0] ?? role },
        },
        child,
      );
      const signed = new tls.LocallySignedCert(
        `${name}-${role}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: CERT_HOURS,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
        },
        child,
      );
      return { key: key.privateKeyPem, cert: signed.certPem };
    };
    // verify_server_hostname: Consul checks server.<dc>.consul, Nomad server.<region>.nomad
    // and client.<region>.nomad. The LB IP lets the program and operators verify via the LB.
    const serverCert = cert(
      "server",
      [`server.${dc}.consul`, "server.global.nomad", "localhost"],
      ["127.0.0.1", args.controlPlaneIp],
    );
    // Clients: Nomad's client identity, and the certificate of the Consul client agent's
    // HTTPS/gRPC TLS listeners: 127.0.0.1 for Nomad and the Envoy bootstraps it runs,
    // client.<dc>.consul for the API gateway's setup task (it dials the node IP, which no
    // certificate made before the VM exists can carry).
    const clientCert = cert(
      "client",
      ["client.global.nomad", consulClientName(dc), "localhost"],
      ["127.0.0.1"],
    );

    // Gossip keys: 32 random bytes, base64 (Consul `encrypt`, Nomad `server.encrypt`).
    const gossip = (role: string) =>
      new random.RandomBytes(`${name}-${role}-gossip`, { length: 32 }, child).base64;
    // UUID tokens; RandomUuid's result is not sensitive upstream, so mark it secret here.
    const token = (role: string) =>
      new random.RandomUuid(
        `${name}-${role}`,
        {},
        { parent: this, additionalSecretOutputs: ["result"] },
      ).result;
    const accessor = (role: string) =>
      new random.RandomUuid(`${name}-${role}-accessor`, {}, child).result;

    this.consulToken = token("consul-management-token");
    this.nomadToken = token("nomad-management-token");
    // One agent token per role (node:write on that role's node-name prefix only) and a
    // read-only DNS token: see agentPolicies in startupScript.ts for each scope's reason.
    const serverAgentToken = token("consul-server-agent-token");
    const clientAgentToken = token("consul-client-agent-token");
    const dnsToken = token("consul-dns-token");
    const nomadServerConsulToken = token("nomad-server-consul-token");
    const nomadClientConsulToken = token("nomad-client-consul-token");
    this.accessors = pulumi
      .all([
        accessor("consul-server-agent-token"),
        accessor("consul-client-agent-token"),
        accessor("consul-dns-token"),
        accessor("nomad-server-consul-token"),
        accessor("nomad-client-consul-token"),
      ])
      .apply(([serverAgent, clientAgent, dns, nomadServer, nomadClient]) => ({
        serverAgent,
        clientAgent,
        dns,
        nomadServer,
        nomadClient,
      }));

    const readers = { server: args.serverAccountEmail, client: args.clientAccountEmail };
    const store = (id: string, value: pulumi.Input<string>, who: Readers): string => {
      const secretId = `${dc}-${id}`;
      const secret = new gcp.secretmanager.Secret(
        `${name}-${id}`,
        {
          project: args.project,
          secretId,
          replication: { auto: {} },
          labels: { datacenter: dc, managed_by: "pulumi" },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${name}-${id}-version`,
        { secret: secret.id, secretData: pulumi.secret(value) },
        child,
      );
      for (const role of who) {
        const grant = new gcp.secretmanager.SecretIamMember(
          `${name}-${id}-${role}-access`,
          {
            project: args.project,
            secretId: secret.secretId,
            role: "roles/secretmanager.secretAccessor",
            member: pulumi.interpolate`serviceAccount:${readers[role]}`,
          },
          child,
        );
        this.bootDependencies[role].push(version, grant);
      }
      return secretId;
    };

    const both: Readers = ["server", "client"];
    const servers: Readers = ["server"];
    const caCert = store("ca-cert", ca.certPem, both);
    const consulGossipKey = store("consul-gossip-key", gossip("consul"), both);
    const consulDnsToken = store("consul-dns-token", dnsToken, both);
    // Servers read the clients' tokens too: they create them in Consul.
    const clientAgent = store("consul-client-agent-token", clientAgentToken, both);
    const nomadClientToken = store("nomad-client-consul-token", nomadClientConsulToken, both);
    const consulLicense = args.consulLicense
      ? store("consul-license", args.consulLicense, servers)
      : undefined;
    const nomadLicense = args.nomadLicense
      ? store("nomad-license", args.nomadLicense, servers)
      : undefined;
    this.names = {
      server: {
        caCert,
        tlsCert: store("server-tls-cert", serverCert.cert, servers),
        tlsKey: store("server-tls-key", serverCert.key, servers),
        consulGossipKey,
        consulAgentToken: store("consul-server-agent-token", serverAgentToken, servers),
        consulDnsToken,
        consulClientAgentToken: clientAgent,
        nomadConsulToken: store("nomad-server-consul-token", nomadServerConsulToken, servers),
        nomadGossipKey: store("nomad-gossip-key", gossip("nomad"), servers),
        consulManagementToken: store("consul-management-token", this.consulToken, servers),
        nomadManagementToken: store("nomad-management-token", this.nomadToken, servers),
        nomadClientConsulToken: nomadClientToken,
        ...(consulLicense ? { consulLicense } : {}),
        ...(nomadLicense ? { nomadLicense } : {}),
      },
      client: {
        caCert,
        tlsCert: store("client-tls-cert", clientCert.cert, ["client"]),
        tlsKey: store("client-tls-key", clientCert.key, ["client"]),
        consulGossipKey,
        consulAgentToken: clientAgent,
        consulDnsToken,
        nomadConsulToken: nomadClientToken,
      },
    };
    this.registerOutputs({ caCertPem: this.caCertPem });
  }
}
