/**
 * Every duration the deploy estimate uses (scripts/estimate.ts), in this one file, each with
 * where the figure comes from. Three kinds of source:
 * - documented: GCP, HashiCorp or provider documentation and source code, cited;
 * - ours: constants of this repository (poll intervals, jobspec settings), imported or cited;
 * - typical: observed behaviour with no published figure (GCE operations have no latency
 *   SLA); marked "typical", to be replaced by measurements from the acceptance test.
 * Creation times, seconds. A resource type the program registers without an entry here makes
 * the estimate fail (tests/plan.test.ts checks every type of both stacks).
 */
import { DEPLOYMENT_POLL_MS } from "../components/nomad/nomadJob";
import { PEERING_POLL_SECONDS } from "../components/peering/peeringWait";
import { READINESS_POLL_SECONDS } from "../components/cluster/readiness";

/** A duration and its source. */
export interface Figure {
  seconds: number;
  source: string;
}

/** How the estimate treats one resource type. */
export interface TypeFigure extends Figure {
  /**
   * The provider serializes these per key: IAM members run read-modify-write under a mutex
   * per policy (`iam-project-{id}`, or per secret), so same-key members run one at a time.
   */
  lock?: "project" | "secret";
  /** Finishes only once the VMs booted (BOOT below); the figure is its own check time. */
  waitsForBoot?: boolean;
}

const GCE =
  "typical: GCE API operation, polled by the Google provider until DONE (no published latency)";
const LOCAL = "local computation in the provider plugin, no API call";
const CONSUL_CALL = "typical: one Consul HTTP API call through the control-plane LB";
const IAM =
  "documented: google provider tpgiamresource/iam.go iamPolicyReadModifyWrite: get + set policy, then 3 confirming reads 1 s apart, under a mutex per policy";

/** Nomad job deployment, summed from its parts (see NOMAD_JOB_PARTS). */
export const NOMAD_JOB_PARTS: Record<string, Figure> = {
  register: { seconds: 2, source: "typical: register, evaluation and placement" },
  imagePull: {
    seconds: 12,
    source:
      "typical: pulling the task image on a fresh client through Cloud NAT (Envoy for the gateways, about 60 MB compressed)",
  },
  firstCheck: {
    seconds: 5,
    source:
      "ours: jobspecs check interval 10s; the first passing check comes half of it later on average",
  },
  minHealthy: { seconds: 10, source: 'ours: jobspecs update { min_healthy_time = "10s" }' },
  poll: {
    seconds: DEPLOYMENT_POLL_MS / 1000 / 2,
    source: "ours: components/nomad/nomadJob.ts DEPLOYMENT_POLL_MS; half an interval on average",
  },
};

const sum = (parts: Record<string, Figure>) =>
  Object.values(parts).reduce((n, f) => n + f.seconds, 0);

/** Creation time per resource type the program registers. */
export const RESOURCE_TYPES: Record<string, TypeFigure> = {
  "random:index/randomUuid:RandomUuid": { seconds: 0.1, source: LOCAL },
  "random:index/randomBytes:RandomBytes": { seconds: 0.1, source: LOCAL },
  "tls:index/privateKey:PrivateKey": { seconds: 0.1, source: `${LOCAL} (ECDSA P-256 keys)` },
  "tls:index/selfSignedCert:SelfSignedCert": { seconds: 0.1, source: LOCAL },
  "tls:index/certRequest:CertRequest": { seconds: 0.1, source: LOCAL },
  "tls:index/locallySignedCert:LocallySignedCert": { seconds: 0.1, source: LOCAL },
  "pulumi:providers:consul": { seconds: 1, source: "typical: provider plugin start and configure" },
  "pulumi:pulumi:StackReference": {
    seconds: 1,
    source: "typical: one read of the acceptor stack's outputs from the backend",
  },
  "gcp:projects/service:Service": {
    seconds: 30,
    source:
      "typical: enabling an API not yet enabled (serviceusage operation); an enabled one returns at once. The estimate assumes an empty project",
  },
  "gcp:serviceaccount/account:Account": {
    seconds: 3,
    source:
      "documented: resource_google_service_account.go creates, then polls GET until the account is visible",
  },
  "gcp:projects/iAMMember:IAMMember": { seconds: 5, lock: "project", source: IAM },
  "gcp:secretmanager/secretIamMember:SecretIamMember": { seconds: 5, lock: "secret", source: IAM },
  "gcp:secretmanager/secret:Secret": {
    seconds: 1,
    source: "typical: synchronous Secret Manager call (no long-running operation)",
  },
  "gcp:secretmanager/secretVersion:SecretVersion": {
    seconds: 1,
    source:
      "typical: synchronous Secret Manager call; a new version is strongly consistent (Secret Manager consistency docs)",
  },
  "gcp:compute/network:Network": { seconds: 25, source: GCE },
  "gcp:compute/subnetwork:Subnetwork": { seconds: 15, source: GCE },
  "gcp:compute/router:Router": { seconds: 12, source: GCE },
  "gcp:compute/routerNat:RouterNat": { seconds: 20, source: `${GCE} (a PATCH of the router)` },
  "gcp:compute/firewall:Firewall": { seconds: 12, source: GCE },
  "gcp:compute/address:Address": { seconds: 5, source: GCE },
  "gcp:compute/healthCheck:HealthCheck": { seconds: 12, source: GCE },
  "gcp:compute/regionHealthCheck:RegionHealthCheck": { seconds: 12, source: GCE },
  "gcp:compute/regionBackendService:RegionBackendService": { seconds: 15, source: GCE },
  "gcp:compute/forwardingRule:ForwardingRule": { seconds: 15, source: GCE },
  "gcp:compute/instanceTemplate:InstanceTemplate": { seconds: 8, source: GCE },
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": {
    seconds: 15,
    source: `${GCE}; waitForInstances is false (components/gcp/nodeGroup.ts), so the VMs boot afterwards (BOOT)`,
  },
  "consul:index/aclPolicy:AclPolicy": { seconds: 1, source: CONSUL_CALL },
  "consul:index/aclRole:AclRole": { seconds: 1, source: CONSUL_CALL },
  "consul:index/aclBindingRule:AclBindingRule": { seconds: 1, source: CONSUL_CALL },
  "consul:index/aclAuthMethod:AclAuthMethod": { seconds: 1, source: CONSUL_CALL },
  "consul:index/configEntry:ConfigEntry": { seconds: 1, source: CONSUL_CALL },
  "consul:index/configEntryServiceIntentions:ConfigEntryServiceIntentions": {
    seconds: 1,
    source: CONSUL_CALL,
  },
  "consul:index/peeringToken:PeeringToken": { seconds: 1, source: CONSUL_CALL },
  "consul:index/peering:Peering": {
    seconds: 3,
    source:
      "typical: /v1/peering/establish answers after the dialer's servers reached the acceptor through both mesh gateways",
  },
  "pulumi-nodejs:dynamic/hashistack:Preflight": {
    seconds: 2,
    source:
      "typical: an application-default-credentials token, one round of API probes once the APIs answer (components/gcp/apiReadiness.ts) and the deployer's permission check (components/gcp/deployerCheck.ts); the wait for a fresh enablement to spread is not in the figure (undocumented, bounded by API_WAIT_SECONDS)",
  },
  "pulumi-nodejs:dynamic/hashistack:NomadNamespace": {
    seconds: 1,
    source: "typical: one Nomad HTTP API call",
  },
  "pulumi-nodejs:dynamic/hashistack:NomadJob": {
    seconds: sum(NOMAD_JOB_PARTS),
    source: `sum of NOMAD_JOB_PARTS: ${Object.keys(NOMAD_JOB_PARTS).join(", ")}`,
  },
  "pulumi-nodejs:dynamic/hashistack:ReadinessGate": {
    seconds: 1 + READINESS_POLL_SECONDS / 2,
    waitsForBoot: true,
    source:
      "ours: one round of checks (about 1 s) plus half of components/cluster/readiness.ts READINESS_POLL_SECONDS after the cluster is ready",
  },
  "pulumi-nodejs:dynamic/hashistack:PeeringWait": {
    seconds: 3 + PEERING_POLL_SECONDS / 2,
    source:
      "typical: ACTIVE and the peer's exports imported about 3 s after establishment; plus half of components/peering/peeringWait.ts PEERING_POLL_SECONDS",
  },
};

/** Boot of a node group's VMs, step by step (components/cluster/startup/lib.sh). */
export const BOOT: Record<string, Figure> = {
  vmStart: {
    seconds: 40,
    source:
      "typical: the MIG creates the instance (RUNNING in about 15-20 s) and Debian 12 boots to google-startup-scripts.service (about 20 s); no published SLA",
  },
  aptUpdate: {
    seconds: 8,
    source:
      "typical: one apt-get update of bookworm, -updates, -security and the HashiCorp repository through Cloud NAT",
  },
  aptTransaction: {
    seconds: 5,
    source: "typical: dependency resolution and dpkg triggers of one apt-get install",
  },
  recommends: {
    seconds: 10,
    source:
      "docker.io's Recommends pull 17 more packages on bookworm (apparmor, git, needrestart, criu, python3-protobuf, ...; apt-get install -s), about 0.6 s each to fetch, unpack and configure",
  },
  dataDisk: {
    seconds: 3,
    source: "typical: mkfs.ext4 (lazy init) and mount of the server data disk",
  },
  clientHost: {
    seconds: 6,
    source:
      "typical: the CNI plugins release (about 51 MB from GitHub through Cloud NAT, sha256 check, tar), br_netfilter, sysctl and docker start (prepare_client_host)",
  },
  iamPropagation: {
    seconds: 120,
    source:
      "documented: IAM access change propagation, 'typically 2 minutes, potentially 7 minutes or longer' (cloud.google.com/iam/docs/access-change-propagation); the first secret read retries until it applies, on lib.sh's interval and within its budget (bootEstimate.ts secretReadBudget)",
  },
  secretRead: {
    seconds: 0.5,
    source: "typical: metadata-server token plus one Secret Manager access call, per secret",
  },
  agentStart: { seconds: 3, source: "typical: systemctl start consul and nomad" },
  raftElection: {
    seconds: 5,
    source: "typical: bootstrap_expect servers joined, then a Raft election (timeouts of 1-2 s)",
  },
  aclBootstrap: {
    seconds: 11,
    source:
      "typical: bootstrap_acls: 5 policies and 5 tokens through the consul CLI, then nomad acl bootstrap (about 1 s each)",
  },
  joinRetry: {
    seconds: 30,
    source:
      "documented: retry_interval default 30s (Consul retry_join, Nomad server_join): an agent that starts before the servers listen retries this much later",
  },
  nodeRegister: {
    seconds: 5,
    source: "typical: Nomad client fingerprinting, registration and first heartbeat",
  },
};

/**
 * Download, unpack and configure time per package an install transaction names (Debian sizes
 * from the bookworm Packages index: apt-cache show / apt-get install -s).
 */
export const PACKAGES: Record<string, Figure> = {
  consul: { seconds: 8, source: "typical: one static binary, about 50 MB .deb" },
  "consul-enterprise": { seconds: 8, source: "typical: as consul" },
  nomad: { seconds: 7, source: "typical: one static binary, about 45 MB .deb" },
  "nomad-enterprise": { seconds: 7, source: "typical: as nomad" },
  "docker.io": {
    seconds: 12,
    source: "bookworm: docker.io with containerd, runc, tini, iptables: about 70 MB, 11 packages",
  },
  "containernetworking-plugins": { seconds: 2, source: "bookworm: 6.8 MB" },
  "consul-cni": { seconds: 1, source: "typical: one small static binary" },
  jq: { seconds: 1, source: "bookworm: jq and libjq1, 0.2 MB" },
  gnupg: {
    seconds: 4,
    source: "bookworm: gnupg and its 10 dependencies (dirmngr, gpg-agent, ...)",
  },
  apparmor: { seconds: 1, source: "bookworm: 0.6 MB" },
  curl: { seconds: 0, source: "shipped on Debian 12 GCE images: already installed" },
  "ca-certificates": { seconds: 0, source: "shipped on Debian 12 GCE images: already installed" },
};

/** The Pulumi CLI's own time per update, and the orchestrator's preparation per stack. */
export const ENGINE: Record<"updateStart" | "typeCheck" | "updateEnd" | "prepare", Figure> = {
  updateStart: {
    seconds: 25,
    source:
      "typical: CLI start, backend checkpoint and provider plugin start before the first resource, including the program's start transpile-only (measured here: ts-node transpiles and loads index.ts in 1.6 s CPU)",
  },
  typeCheck: {
    seconds: 6,
    source:
      "measured here (CPU time): a `pulumi up` by hand type-checks the program unless PULUMI_NODEJS_TRANSPILE_ONLY is true (@pulumi/pulumi cmd/run/run.js): ts-node loads index.ts in 7.5 s type-checked vs 1.6 s transpile-only; npm run deploy sets it and runs tsc --noEmit on the program once instead (about 5 s)",
  },
  updateEnd: { seconds: 2, source: "typical: outputs and final checkpoint" },
  prepare: {
    seconds: 4,
    source: "typical: createOrSelectStack plus one stack output read, per stack (npm run deploy)",
  },
};
