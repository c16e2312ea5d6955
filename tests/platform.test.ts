import { NODE_ROLES } from "../components/gcp/identity";
import { ProgramRun, runProgram, secretLeaks } from "./harness/program";
import { isSecretOnWire, RecordedResource } from "./harness/recorder";
import { HEALTH_CHECK_RANGES } from "../components/config/constants";

const FW = "gcp:compute/firewall:Firewall";
const TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
const MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
const ADMIN_PORTS = [22, 4646, 4647, 4648, 8300, 8301, 8302, 8500, 8501, 8502, 8503, 8600];

/** Expands GCE port specs ("8300-8302", "8501") to numbers. */
function ports(rule: RecordedResource): number[] {
  const allows = rule.inputs.allows as { protocol: string; ports: string[] }[];
  return allows.flatMap((a) =>
    a.ports.flatMap((p) => {
      const [lo, hi] = p.split("-").map(Number) as [number, number | undefined];
      return Array.from({ length: (hi ?? lo) - lo + 1 }, (_, k) => lo + k);
    }),
  );
}

function fw(run: ProgramRun, gceName: string): RecordedResource {
  const hit = run.graph.all(FW).find((r) => r.inputs.name === gceName);
  if (!hit)
    throw new Error(
      `no firewall ${gceName}; have ${run.graph
        .all(FW)
        .map((r) => String(r.inputs.name))
        .join(", ")}`,
    );
  return hit;
}

describe.each(["dc1", "dc2"])("platform of %s", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
    if (run.error) throw run.error;
  });

  test("VPC is custom-mode <dc>-network with one regional subnet from config", () => {
    const vpc = run.graph.get(`${stack}-vpc`);
    expect(vpc.inputs).toMatchObject({ name: `${stack}-network`, autoCreateSubnetworks: false });
    const subnet = run.graph.get(`${stack}-subnet`);
    expect(subnet.inputs).toMatchObject({
      ipCidrRange: stack === "dc1" ? "10.2.0.0/16" : "10.3.0.0/16",
      region: stack === "dc1" ? "europe-southwest1" : "europe-west1",
      privateIpGoogleAccess: true,
    });
    expect(run.graph.get(`${stack}-nat`).inputs).toMatchObject({
      sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
    });
  });

  test("firewall: each rule's ports, sources and targets", () => {
    const internal = fw(run, `${stack}-internal`);
    expect(internal.inputs.sourceTags).toEqual([`${stack}-server`, `${stack}-client`]);
    expect(internal.inputs.sourceRanges).toBeUndefined();
    expect(ports(internal)).toEqual(
      expect.arrayContaining([8300, 8301, 8302, 8501, 8503, 8600, 4646, 4647, 4648, 8443]),
    );
    expect(ports(internal)).not.toContain(8502); // plaintext gRPC stays on loopback
    // Serf is TCP and UDP: Consul 8301-8302, Nomad 4648 (issue 10: 4648/udp was closed).
    const udp = (internal.inputs.allows as { protocol: string; ports: string[] }[]).find(
      (a) => a.protocol === "udp",
    );
    expect(udp?.ports).toEqual(["8301-8302", "8600", "4648"]);

    const hc = fw(run, `${stack}-health-checks`);
    expect(hc.inputs.sourceRanges).toEqual([...HEALTH_CHECK_RANGES]);
    expect(ports(hc).sort()).toEqual(
      stack === "dc1" ? [4646, 8080, 8443, 8501] : [4646, 8443, 8501],
    );

    const ops = fw(run, `${stack}-operators`);
    expect(ops.inputs).toMatchObject({
      // The stack files' placeholder, as the offline harness stands in for it (stackConfig.ts).
      sourceRanges: ["1.2.3.0/24"],
      targetTags: [`${stack}-server`],
    });
    expect(ports(ops).sort()).toEqual([4646, 8501]);

    const mesh = fw(run, `${stack}-mesh-gateway`);
    expect(mesh.inputs).toMatchObject({ targetTags: [`${stack}-client`] });
    expect(ports(mesh)).toEqual([8443]);

    expect(run.graph.all(FW).some((r) => r.inputs.name === `${stack}-iap-ssh`)).toBe(false);
    expect(run.graph.all(FW).some((r) => r.inputs.name === `${stack}-api-gateway`)).toBe(
      stack === "dc1",
    );
  });

  test("no rule opens a Consul, Nomad or SSH port to the world", () => {
    for (const rule of run.graph.all(FW)) {
      const world = ((rule.inputs.sourceRanges as string[] | undefined) ?? []).includes(
        "0.0.0.0/0",
      );
      if (world) expect(ports(rule).filter((p) => ADMIN_PORTS.includes(p))).toEqual([]);
    }
  });

  test("VMs have no external IP, dedicated accounts and the cluster tags", () => {
    const templates = run.graph.all(TEMPLATE);
    expect(templates).toHaveLength(2);
    for (const t of templates) {
      const nics = t.inputs.networkInterfaces as Record<string, unknown>[];
      expect(nics).toHaveLength(1);
      expect(nics[0]?.accessConfigs).toBeUndefined();
      const role = t.name.includes("servers") ? "servers" : "clients";
      expect(t.inputs.serviceAccount).toEqual({
        email: `${stack}-${role}@my-gcp-project-${stack}.iam.gserviceaccount.com`,
        scopes: ["cloud-platform"],
      });
      expect(t.inputs.tags).toEqual([`${stack}-${role.slice(0, -1)}`]);
      expect(Object.keys(t.inputs.metadata as object).sort()).toEqual([
        "block-project-ssh-keys",
        "enable-guest-attributes",
        "enable-oslogin",
        "startup-script",
      ]);
    }
  });

  test("each service account has exactly the node roles", () => {
    for (const role of ["servers", "clients"]) {
      const members = run.graph
        .all("gcp:projects/iAMMember:IAMMember")
        .filter(
          (m) =>
            m.inputs.member ===
            `serviceAccount:${stack}-${role}@my-gcp-project-${stack}.iam.gserviceaccount.com`,
        );
      expect(members.map((m) => m.inputs.role).sort()).toEqual([...NODE_ROLES].sort());
    }
  });

  test("secret access is scoped: management tokens and server keys to the servers' account only", () => {
    const grants = run.graph.all("gcp:secretmanager/secretIamMember:SecretIamMember");
    const readers = (id: string) =>
      grants
        .filter((g) => g.inputs.secretId === `${stack}-${id}`)
        .map(
          (g) =>
            String(g.inputs.member)
              .replace(/^serviceAccount:/, "")
              .split("@")[0],
        )
        .sort();
    for (const g of grants) expect(g.inputs.role).toBe("roles/secretmanager.secretAccessor");
    expect(readers("consul-management-token")).toEqual([`${stack}-servers`]);
    expect(readers("nomad-management-token")).toEqual([`${stack}-servers`]);
    expect(readers("server-tls-key")).toEqual([`${stack}-servers`]);
    expect(readers("nomad-gossip-key")).toEqual([`${stack}-servers`]);
    expect(readers("client-tls-key")).toEqual([`${stack}-clients`]);
    expect(readers("consul-gossip-key")).toEqual([`${stack}-clients`, `${stack}-servers`]);
    expect(readers("ca-cert")).toEqual([`${stack}-clients`, `${stack}-servers`]);
    // One agent token per role; clients never read the servers' (servers read the clients'
    // to create it in Consul). The DNS token is read-only and on every VM.
    expect(readers("consul-server-agent-token")).toEqual([`${stack}-servers`]);
    expect(readers("consul-client-agent-token")).toEqual([`${stack}-clients`, `${stack}-servers`]);
    expect(readers("consul-dns-token")).toEqual([`${stack}-clients`, `${stack}-servers`]);
    expect(grants.some((g) => g.inputs.secretId === `${stack}-consul-agent-token`)).toBe(false);
  });

  test("every secret version's data is a secret on the wire", () => {
    const versions = run.graph.all("gcp:secretmanager/secretVersion:SecretVersion");
    expect(versions).toHaveLength(14);
    for (const v of versions) expect(isSecretOnWire(v.wireInputs, "secretData")).toBe(true);
  });

  test("no mocked secret value appears unmarked in any input, state or output", () => {
    // Tokens, keys, gossip keys and every secret version's data were marked secret somewhere.
    expect(run.secretValues.size).toBeGreaterThanOrEqual(12);
    expect(secretLeaks(run)).toEqual([]);
  });

  test("server certificate SANs make verify_server_hostname and TLS through the LB work", () => {
    const csr = run.graph.get(`${stack}-server-csr`);
    expect(csr.inputs.dnsNames).toEqual([
      `server.${stack}.consul`,
      "server.global.nomad",
      "localhost",
    ]);
    const lbIp = run.graph.get(`${stack}-control-plane-ip`).outputState.address;
    expect(csr.inputs.ipAddresses).toEqual(["127.0.0.1", lbIp]);
    // Issue 10: the client certificate also serves the Consul client agent's HTTPS and gRPC
    // TLS listeners (127.0.0.1 for Nomad, client.<dc>.consul for the API gateway's task).
    expect(run.graph.get(`${stack}-client-csr`).inputs.dnsNames).toEqual([
      "client.global.nomad",
      `client.${stack}.consul`,
      "localhost",
    ]);
    expect(run.graph.get(`${stack}-client-csr`).inputs.ipAddresses).toEqual(["127.0.0.1"]);
  });

  test("servers: regional MIG across three zones, stateful data disk, quorum-safe updates", () => {
    const mig = run.graph.get(`${stack}-servers-group`);
    const region = stack === "dc1" ? "europe-southwest1" : "europe-west1";
    expect(mig.inputs).toMatchObject({
      name: `${stack}-servers`,
      targetSize: 3,
      distributionPolicyZones: [`${region}-a`, `${region}-b`, `${region}-c`],
      statefulDisks: [{ deviceName: "data", deleteRule: "ON_PERMANENT_INSTANCE_DELETION" }],
      updatePolicy: { type: "OPPORTUNISTIC", maxSurgeFixed: 0, replacementMethod: "RECREATE" },
    });
    expect(mig.deleteBeforeReplace).toBe(true);
    expect(mig.ignoreChanges).toEqual(["distributionPolicyZones"]);
    const disks = run.graph.get(`${stack}-servers-template`).inputs.disks as Record<
      string,
      unknown
    >[];
    expect(disks[1]).toMatchObject({ deviceName: "data", autoDelete: false, diskSizeGb: 50 });
  });

  test("clients: MIG of the configured size, surge-first rolling updates, no data disk", () => {
    const mig = run.graph.get(`${stack}-clients-group`);
    expect(mig.inputs).toMatchObject({
      targetSize: stack === "dc1" ? 2 : 1,
      updatePolicy: { type: "PROACTIVE", maxSurgeFixed: 3, maxUnavailableFixed: 0 },
    });
    expect(run.graph.get(`${stack}-clients-template`).inputs.disks).toHaveLength(1);
  });

  test("each group boots after exactly its own secrets, grants and role bindings", () => {
    for (const role of ["servers", "clients"] as const) {
      const mig = run.graph.get(`${stack}-${role}-group`);
      const account = `serviceAccount:${stack}-${role}@my-gcp-project-${stack}.iam.gserviceaccount.com`;
      const grants = run.graph.all("gcp:secretmanager/secretIamMember:SecretIamMember");
      const ownGrants = grants.filter((g) => g.inputs.member === account);
      const readSecrets = new Set(ownGrants.map((g) => String(g.inputs.secretId)));
      // A version is named `<secretId>-version`.
      const versionOf = (v: RecordedResource) => v.name.replace(/-version$/, "");
      const versions = run.graph.all("gcp:secretmanager/secretVersion:SecretVersion");
      const bindings = run.graph.all("gcp:projects/iAMMember:IAMMember");
      expect(ownGrants.length).toBeGreaterThan(0);
      for (const g of grants) {
        expect([g.name, run.graph.dependsOn(mig, g, { direct: true })]).toEqual([
          g.name,
          g.inputs.member === account,
        ]);
      }
      for (const v of versions) {
        expect([v.name, run.graph.dependsOn(mig, v, { direct: true })]).toEqual([
          v.name,
          readSecrets.has(versionOf(v)),
        ]);
      }
      for (const b of bindings) {
        expect([b.name, run.graph.dependsOn(mig, b, { direct: true })]).toEqual([
          b.name,
          b.inputs.member === account,
        ]);
      }
    }
  });

  test("load balancers: ports, health checks, static IPs and backends", () => {
    // An LB's parts are named after the LB (`<gateway>-lb` inside MeshGateway and ApiGateway).
    const rule = (lb: string) => run.graph.get(`${stack}-${lb}-rule`);
    const hc = (lb: string) => run.graph.get(`${stack}-${lb}-hc`);
    const ip = (role: string) => run.graph.get(`${stack}-${role}-ip`).outputState.address;
    expect(rule("control-plane").inputs).toMatchObject({
      ports: ["8501", "4646"],
      ipAddress: ip("control-plane"),
      loadBalancingScheme: "EXTERNAL",
      ipProtocol: "TCP",
    });
    expect(hc("control-plane").inputs.httpsHealthCheck).toEqual({
      port: 8501,
      requestPath: "/v1/status/leader",
    });
    expect(rule("mesh-gateway-lb").inputs).toMatchObject({
      ports: ["8443"],
      ipAddress: ip("mesh-gateway"),
    });
    expect(hc("mesh-gateway-lb").inputs.tcpHealthCheck).toEqual({ port: 8443 });
    const cpBackend = run.graph.get(`${stack}-control-plane-backend`);
    expect(
      run.graph.dependsOn(cpBackend, run.graph.get(`${stack}-servers-group`), { direct: true }),
    ).toBe(true);
    const meshBackend = run.graph.get(`${stack}-mesh-gateway-lb-backend`);
    expect(
      run.graph.dependsOn(meshBackend, run.graph.get(`${stack}-clients-group`), { direct: true }),
    ).toBe(true);
    expect(run.graph.has(`${stack}-api-gateway-lb-rule`)).toBe(stack === "dc1");
    if (stack === "dc1") expect(rule("api-gateway-lb").inputs.ports).toEqual(["8080"]);
  });

  test("outputs: endpoints, CA, and the tokens as secrets", () => {
    const ip = run.graph.get(`${stack}-control-plane-ip`).outputState.address as string;
    expect(run.plainOutputs).toMatchObject({
      datacenter: stack,
      consulUrl: `https://${ip}:8501`,
      nomadUrl: `https://${ip}:4646`,
      meshGatewayAddress: `${String(run.graph.get(`${stack}-mesh-gateway-ip`).outputState.address)}:8443`,
    });
    expect(String(run.plainOutputs.caCertPem)).toContain("BEGIN CERTIFICATE");
    expect(isSecretOnWire(run.outputs, "consulToken")).toBe(true);
    expect(isSecretOnWire(run.outputs, "nomadToken")).toBe(true);
    expect(isSecretOnWire(run.outputs, "consulUrl")).toBe(false);
    expect(run.plainOutputs.apiGatewayUrl === undefined).toBe(stack === "dc2");
  });

  test("fixed-name GCP resources replace delete-first", () => {
    for (const t of [
      FW,
      "gcp:compute/network:Network",
      "gcp:compute/subnetwork:Subnetwork",
      "gcp:compute/address:Address",
      "gcp:secretmanager/secret:Secret",
      MIG,
    ]) {
      for (const r of run.graph.all(t))
        expect([r.name, r.deleteBeforeReplace]).toEqual([r.name, true]);
    }
  });
});

describe("platform variations", () => {
  const serverTemplate = async (config: Record<string, unknown>) => {
    const run = await runProgram({ stack: "dc1", config });
    if (run.error) throw run.error;
    return run.graph.get("dc1-servers-template").inputs;
  };

  test("client count and app settings do not change the server template", async () => {
    const base = await serverTemplate({});
    const changed = await serverTemplate({
      "hashistack:clientCount": 5,
      "hashistack:publicApiReplicas": 7,
      "hashistack:clientMachineType": "n2-standard-8",
      "hashistack:failoverMode": "none",
    });
    expect(changed).toEqual(base);
  });

  test("sshViaIap opens 22 from IAP's range only", async () => {
    const run = await runProgram({ stack: "dc1", config: { "hashistack:sshViaIap": true } });
    const rule = fw(run, "dc1-iap-ssh");
    expect(rule.inputs.sourceRanges).toEqual(["35.235.240.0/20"]);
    expect(ports(rule)).toEqual([22]);
  });

  test("a world-open control plane exists only when configured exactly so", async () => {
    const run = await runProgram({
      stack: "dc1",
      // World-open operator ranges need the explicit opt-in (issue 11).
      config: {
        "hashistack:operatorCidrs": ["0.0.0.0/0"],
        "hashistack:allowWideOperatorCidrs": true,
      },
    });
    expect(fw(run, "dc1-operators").inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
  });

  test("five servers and an Enterprise license: MIG size 5, license secret for servers only", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:serverCount": 5, "hashistack:consulLicense": "LIC-MOCKSECRET" },
      secretKeys: ["hashistack:consulLicense"],
    });
    if (run.error) throw run.error;
    expect(run.graph.get("dc1-servers-group").inputs.targetSize).toBe(5);
    const grants = run.graph
      .all("gcp:secretmanager/secretIamMember:SecretIamMember")
      .filter((g) => g.inputs.secretId === "dc1-consul-license");
    expect(grants.map((g) => String(g.inputs.member))).toEqual([
      "serviceAccount:dc1-servers@my-gcp-project-dc1.iam.gserviceaccount.com",
    ]);
    const script = String(
      (run.graph.get("dc1-servers-template").inputs.metadata as Record<string, string>)[
        "startup-script"
      ],
    );
    expect(script).toContain("consul-enterprise=1.22.6+ent-1");
    expect(script).toContain('"license_path": "/etc/consul.d/license.hclic"');
    expect(script).not.toContain("LIC-MOCKSECRET");
    expect(
      isSecretOnWire(run.graph.get("dc1-consul-license-version").wireInputs, "secretData"),
    ).toBe(true);
  });
});
