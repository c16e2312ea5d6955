/**
 * The connection matrix, checked for real. The matrix is derived from what the program
 * renders (components/connections/connections.ts over tests/harness/artifacts.ts); for each connection:
 * - a GCE ingress rule admits it (protocol, port, source tag or range, target tag), its
 *   load balancer forwards the port to the right VMs, and the listener binds what the
 *   client dials;
 * - TLS: a real handshake on 127.0.0.1 with openssl-made certificates carrying the issuer
 *   and SANs the model says the listener presents, a client trusting exactly the CAs the
 *   model says and checking the name the client uses (mTLS where the listener demands it).
 * A listener that would present Consul's auto-encrypt (Connect CA) certificate is modelled
 * as such, so clients that trust only the project CA fail here as they would on a VM.
 */
import { DatacenterArtifacts, Connection } from "../components/connections/connectionTypes";
import {
  firewallAdmits,
  listenerReachable,
  loadBalancerCarries,
} from "../components/connections/connectionChecks";
import { deriveConnections } from "../components/connections/connections";
import { collectArtifacts } from "./harness/artifacts";
import { runProgram } from "./harness/program";
import { TlsLab } from "./harness/tlsLab";

/** The connections the issue lists, as groups of matrix ids. */
const GROUPS: { name: string; match: RegExp; only?: string }[] = [
  {
    name: "Nomad agents -> local Consul HTTPS and gRPC",
    match: /^nomad-(server|client)( \(sidecar xDS socket\))? -> consul-/,
  },
  {
    name: "Envoy bootstraps (sidecars, mesh gateway) -> local Consul HTTPS and xDS",
    match: /^envoy /,
  },
  {
    name: "API gateway setup task and its Envoy -> local Consul",
    match: /^api-gateway (setup|envoy)/,
    only: "dc1",
  },
  {
    name: "Consul and Nomad clients and servers -> server RPC",
    match: / -> (consul|nomad)-server rpc$/,
  },
  { name: "Serf LAN and WAN, TCP and UDP (Consul and Nomad)", match: / serf / },
  { name: "Consul servers -> Nomad JWKS", match: /jwks$/ },
  {
    name: "the program (Consul provider, readiness gate, Nomad jobs) -> control-plane LB",
    match: /^program /,
  },
  { name: "GCE health checks -> each LB port and autohealing port", match: /^gce / },
  {
    name: "peers <-> mesh gateway, and the peering control plane (gRPC TLS)",
    match: /(mesh gateway|peering)/,
  },
  { name: "sidecar <-> sidecar (mTLS, Connect CA)", match: /sidecar$|sidecar \(for / },
  { name: "users -> API gateway listener", match: /^users -> api gateway/, only: "dc1" },
];

describe.each(["dc1", "dc2"])("connection matrix of %s", (stack) => {
  let artifacts: DatacenterArtifacts;
  let matrix: Connection[];
  const lab = new TlsLab();
  beforeAll(async () => {
    const run = await runProgram({ stack });
    if (run.error) throw run.error;
    artifacts = await collectArtifacts(run, stack);
    matrix = deriveConnections(artifacts);
  });

  test("every connection of the matrix is in a checked group, and ids are unique", () => {
    const ungrouped = matrix
      .filter((c) => !GROUPS.some((g) => g.match.test(c.id)))
      .map((c) => c.id);
    expect(ungrouped).toEqual([]);
    expect(new Set(matrix.map((c) => c.id)).size).toBe(matrix.length);
  });

  test.each(GROUPS)("$name", async ({ match, only }) => {
    const group = matrix.filter((c) => match.test(c.id));
    if (only && only !== stack) {
      expect(group).toEqual([]);
      return;
    }
    expect(group.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const c of group) {
      for (const check of [
        firewallAdmits(artifacts.firewall, c),
        loadBalancerCarries(artifacts.loadBalancers, c),
        listenerReachable(c),
      ])
        if (check) problems.push(check);
      if (c.transport.kind === "tls") {
        const err = await lab.handshake(c.transport);
        if (err) problems.push(`${c.id}: TLS handshake failed: ${err} (${explain(c)})`);
      }
      if (c.transport.kind === "tls-unverified" && c.transport.presents.issuer.startsWith("(none"))
        problems.push(`${c.id}: HTTPS health check but ${c.transport.presents.issuer}`);
    }
    expect(problems).toEqual([]);
  });

  test("facts the defects hinged on are read from the artifacts, not assumed", () => {
    const https = matrix.find((c) => c.id === "nomad-client -> consul-client https");
    expect(https?.transport).toMatchObject({
      kind: "tls",
      presents: { issuer: `hashistack ${stack} CA`, ipAddresses: ["127.0.0.1"] },
      verify: { cas: [`hashistack ${stack} CA`], name: { kind: "ip", value: "127.0.0.1" } },
    });
    const rpc = matrix.find((c) => c.id === "consul-client -> consul-server rpc");
    // RPC keeps the auto-encrypt identity (Connect CA leaf), accepted by the servers.
    expect(rpc?.transport).toMatchObject({
      clientCert: { issuer: `Consul Connect CA of ${stack}` },
      listenerTrusts: [`hashistack ${stack} CA`, `Consul Connect CA of ${stack}`],
      verify: { name: { kind: "dns", value: `server.${stack}.consul` } },
    });
    if (stack === "dc1") {
      const setup = matrix.find((c) => c.id === "api-gateway setup -> consul-client https");
      expect(setup?.destination.address).toBe("${attr.unique.network.ip-address}");
      expect(setup?.transport).toMatchObject({
        verify: { name: { kind: "dns", value: "client.dc1.consul" } },
      });
    }
  });
});

/** One line: what is presented and what is verified. */
function explain(c: Connection): string {
  if (c.transport.kind !== "tls") return c.transport.kind;
  const t = c.transport;
  const sans = [...t.presents.dnsNames, ...t.presents.ipAddresses, ...t.presents.uris].join(",");
  const name =
    t.verify.name.kind === "none" ? "chain only" : `${t.verify.name.kind} ${t.verify.name.value}`;
  return `listener presents [${t.presents.issuer}: ${sans}] from ${t.presents.origin}; client trusts [${t.verify.cas.join("; ")}] and checks ${name}`;
}
