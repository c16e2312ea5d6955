/**
 * Collects a datacenter's artifacts, as the program builds them, from a recorded mock run:
 * the rendered startup scripts, Secret Manager versions, certificates, firewall rules, load
 * balancers and health checks, the Nomad jobs (jobspec parsed by `@cdktf/hcl2json`, with
 * the variables the program passes), the providers and the readiness gate. The connection
 * matrix (components/connections/connections.ts) is derived from exactly this.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parse } from "@cdktf/hcl2json";
import { formatAddress, parseCidr } from "../../components/config/cidr";
import {
  DatacenterArtifacts,
  JobArtifact,
  LoadBalancerArtifact,
  ProgramCert,
} from "../../components/connections/connectionTypes";
import { FirewallRuleSpec } from "../../components/gcp/firewallRules";
import { one, text } from "../../components/connections/jobspecView";
import { ProgramRun, ROOT, readStackConfig } from "./program";
import { RecordedResource, unwrapSecrets } from "./recorder";
import { offlineStandIns } from "./stackConfig";

const T = {
  secret: "gcp:secretmanager/secret:Secret",
  version: "gcp:secretmanager/secretVersion:SecretVersion",
  selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
  signed: "tls:index/locallySignedCert:LocallySignedCert",
  csr: "tls:index/certRequest:CertRequest",
  firewall: "gcp:compute/firewall:Firewall",
  rule: "gcp:compute/forwardingRule:ForwardingRule",
  regionHc: "gcp:compute/regionHealthCheck:RegionHealthCheck",
  backend: "gcp:compute/regionBackendService:RegionBackendService",
  mig: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
  template: "gcp:compute/instanceTemplate:InstanceTemplate",
  autoheal: "gcp:compute/healthCheck:HealthCheck",
  job: "pulumi-nodejs:dynamic/hashistack:NomadJob",
  gate: "pulumi-nodejs:dynamic/hashistack:ReadinessGate",
};

const str = (v: unknown): string => text(unwrapSecrets(v));
const state = (r: RecordedResource, key: string): string => str(r.outputState[key]);

/**
 * A config value as the program received it in the run (runProgram's stack file with its
 * offline stand-ins), else Pulumi.yaml's default.
 */
function configList(stack: string, key: string): string[] {
  const file = offlineStandIns(readStackConfig(path.join(ROOT, `Pulumi.${stack}.yaml`))).config;
  const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { default?: unknown }>;
  };
  const raw = file[`hashistack:${key}`];
  return raw ? (JSON.parse(raw) as string[]) : ((project.config[key]?.default as string[]) ?? []);
}

/** The tags of the node group whose MIG a resource depends on directly. */
function groupTags(run: ProgramRun, r: RecordedResource): string[] {
  const mig = run.graph.all(T.mig).find((m) => run.graph.dependsOn(r, m, { direct: true }));
  const sibling = (m: RecordedResource) =>
    run.graph.all(T.template).find((t) => t.parent === m.parent);
  return ((mig && sibling(mig)?.inputs.tags) as string[] | undefined) ?? [];
}

function certs(run: ProgramRun): ProgramCert[] {
  const out: ProgramCert[] = [];
  for (const ca of run.graph.all(T.selfSigned)) {
    const subject = ca.inputs.subject as { commonName?: string };
    out.push({
      pem: state(ca, "certPem"),
      isCa: ca.inputs.isCaCertificate === true,
      commonName: subject.commonName ?? "",
      dnsNames: [],
      ipAddresses: [],
    });
  }
  for (const leaf of run.graph.all(T.signed)) {
    const csr = run.graph
      .all(T.csr)
      .find((c) => state(c, "certRequestPem") === str(leaf.inputs.certRequestPem));
    if (!csr) throw new Error(`${leaf.name}: no certificate request with its PEM`);
    out.push({
      pem: state(leaf, "certPem"),
      isCa: false,
      commonName: str((csr.inputs.subject as { commonName?: string }).commonName),
      dnsNames: (csr.inputs.dnsNames as string[] | undefined) ?? [],
      ipAddresses: ((csr.inputs.ipAddresses as unknown[] | undefined) ?? []).map(str),
      issuerPem: str(leaf.inputs.caCertPem),
    });
  }
  return out;
}

function loadBalancers(run: ProgramRun, dc: string): LoadBalancerArtifact[] {
  return run.graph.all(T.rule).map((rule) => {
    // The role from the GCE name (`<dc>-<role>`); the parts by the LB's logical name.
    const role = str(rule.inputs.name).replace(`${dc}-`, "");
    const lb = rule.name.replace(/-rule$/, "");
    const hc = run.graph.get(`${lb}-hc`, T.regionHc).inputs;
    const https = hc.httpsHealthCheck as { port: number } | undefined;
    const tcp = hc.tcpHealthCheck as { port: number } | undefined;
    return {
      role,
      address: str(rule.inputs.ipAddress),
      ports: (rule.inputs.ports as string[]).map(Number),
      healthCheck: { port: (https ?? tcp)?.port ?? -1, https: !!https },
      backendTags: groupTags(run, run.graph.get(`${lb}-backend`, T.backend)),
    };
  });
}

async function jobs(run: ProgramRun): Promise<JobArtifact[]> {
  const out: JobArtifact[] = [];
  for (const r of run.graph.all(T.job)) {
    const doc = (await parse("job.hcl", String(r.inputs.jobspec))) as {
      job: Record<string, unknown>;
      variable?: Record<string, unknown>;
    };
    const [name, body] = Object.entries(doc.job)[0] ?? ["", {}];
    const defaults = Object.fromEntries(
      Object.entries(doc.variable ?? {}).map(([k, v]) => [k, one(v).default]),
    );
    const passed = unwrapSecrets(r.inputs.variables) as Record<string, unknown>;
    const variables: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...defaults, ...passed }))
      if (v !== undefined) variables[k] = text(v);
    out.push({ name, job: one(body), variables });
  }
  return out;
}

/** The artifacts of the stack a run produced. */
export async function collectArtifacts(
  run: ProgramRun,
  stack: string,
): Promise<DatacenterArtifacts> {
  const g = run.graph;
  const dc = String(run.plainOutputs.datacenter);
  const script = (role: string) =>
    str(
      (g.get(`${dc}-${role}s-template`).inputs.metadata as Record<string, unknown>)[
        "startup-script"
      ],
    );
  const tagOf = (role: string) =>
    String((g.get(`${dc}-${role}s-template`).inputs.tags as string[])[0]);
  const secrets: Record<string, string> = {};
  for (const v of g.all(T.version))
    secrets[str(v.inputs.secret).split("/").pop() ?? ""] = str(v.inputs.secretData);
  const firewall: FirewallRuleSpec[] = g.all(T.firewall).map((f) => ({
    role: str(f.inputs.name),
    description: str(f.inputs.description),
    ...(f.inputs.sourceRanges ? { sourceRanges: f.inputs.sourceRanges as string[] } : {}),
    ...(f.inputs.sourceTags ? { sourceTags: f.inputs.sourceTags as string[] } : {}),
    targetTags: f.inputs.targetTags as string[],
    allow: f.inputs.allows as FirewallRuleSpec["allow"],
  }));
  const provider = g.get(`${dc}-consul`, "pulumi:providers:consul").inputs;
  const gate = (g.all(T.gate)[0] as RecordedResource).inputs;
  const someJob = (g.all(T.job)[0] as RecordedResource).inputs;
  const auth = JSON.parse(str(g.get(`${dc}-service-mesh-auth-method`).inputs.configJson)) as {
    JWKSURL: string;
    JWKSCACert: string;
  };
  const mesh = JSON.parse(str(g.get(`${dc}-service-mesh-mesh-entry`).inputs.configJson)) as {
    Peering: { PeerThroughMeshGateways: boolean };
  };
  const subnet = parseCidr(str(g.get(`${dc}-subnet`).inputs.ipCidrRange));
  if (typeof subnet === "string") throw new Error(subnet);
  return {
    datacenter: dc,
    tags: { server: tagOf("server"), client: tagOf("client") },
    scripts: { server: script("server"), client: script("client") },
    secrets,
    certs: certs(run),
    firewall,
    loadBalancers: loadBalancers(run, dc),
    autoheal: g.all(T.autoheal).map((h) => ({
      port: (h.inputs.tcpHealthCheck as { port: number }).port,
      tags: (g.all(T.template).find((t) => t.parent === h.parent)?.inputs.tags as string[]) ?? [],
    })),
    jobs: await jobs(run),
    program: {
      consulProvider: {
        address: str(provider.address),
        scheme: str(provider.scheme),
        caPem: str(provider.caPem),
      },
      gate: {
        consulAddress: str(gate.consulAddress),
        nomadAddress: str(gate.nomadAddress),
        caPem: str(gate.caPem),
      },
      nomad: { address: str(someJob.address), caPem: str(someJob.caPem) },
    },
    authMethod: { jwksUrl: auth.JWKSURL, caPem: auth.JWKSCACert },
    peerThroughMeshGateways: mesh.Peering.PeerThroughMeshGateways,
    peers: (run.plainOutputs.peerNames as string[] | undefined) ?? [],
    sources: {
      operatorCidrs: configList(stack, "operatorCidrs"),
      apiGatewayCidrs: configList(stack, "apiGatewayCidrs"),
      meshGatewayCidrs: configList(stack, "meshGatewayCidrs"),
    },
    sampleNodeIp: formatAddress(subnet.network + 10),
  };
}
