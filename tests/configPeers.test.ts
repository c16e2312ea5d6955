/**
 * Peering and what hangs on it (components/config/peers.ts): the peers list, the deferred
 * peers, the licenses, the failover mode and the peering generation. The entry syntax is
 * peerSpec.ts's, the deferral deferral.ts's (tests/deferral.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { validateConfig } from "../components/config/loadConfig";
import { checkPeers } from "../components/config/peers";
import { ConfigReader } from "../components/config/reader";
import { ConfigProblem, RawConfig } from "../components/config/types";
import { acmeConfig, configProblems, problemLine } from "./harness/configCases";

const base = acmeConfig;
const problems = configProblems;
const lines = (found: ConfigProblem[]) => found.map(problemLine);

/** checkPeers for datacenter dc1, stack dc1, organization acme, over `values` and licenses. */
const check = (values: Record<string, string>, extra: Partial<RawConfig> = {}) =>
  checkPeers(new ConfigReader(values), { values, organization: "acme", ...extra }, "dc1", "dc1");

describe("checkPeers", () => {
  test("the defaults: no peers, nothing deferred, no licenses, no failover, generation 1", () => {
    expect(check({})).toEqual({
      value: {
        peers: [],
        deferredPeers: [],
        licenses: {},
        failoverMode: "none",
        peeringGeneration: 1,
      },
      problems: [],
    });
  });

  test("defers only a peer it dials", () => {
    const { value, problems: found } = check({
      peers: '["acceptor:dc2","dialer:dc3:dc3"]',
      deferredPeers: '["dc3"]',
      failoverMode: "resolver",
    });
    expect(found).toEqual([]);
    expect(value.peers.map((p) => `${p.role}:${p.datacenter}:${p.stack ?? ""}`)).toEqual([
      "acceptor:dc2:",
      "dialer:dc3:acme/hashistack/dc3",
    ]);
    expect(value.deferredPeers).toEqual(["dc3"]);
    expect(value.failoverMode).toBe("resolver");
  });

  test("lists the entries, the deferral, the licenses, the failover mode, the generation", () => {
    const found = check(
      {
        peers: '["friend:dc2","dialer:dc3:o/p/dc3"]',
        deferredPeers: '["dc9"]',
        failoverMode: "sameness-group",
        peeringGeneration: "0",
      },
      { nomadLicense: { value: "NOMAD-LICENSE", secret: false } },
    ).problems;
    expect(found.map((p) => p.key)).toEqual([
      "hashistack:peers[0]",
      "hashistack:deferredPeers",
      "hashistack:nomadLicense",
      "hashistack:failoverMode",
      "hashistack:peeringGeneration",
    ]);
    expect(lines(found)[1]).toBe(
      'hashistack:deferredPeers: received "[\\"dc9\\"]"; allowed: a JSON list of remote datacenters this stack dials (dc3), each once; set only by npm run deploy for its platform phase',
    );
    expect(JSON.stringify(found)).not.toContain("NOMAD-LICENSE");
  });

  test("a refused entry is reported as itself, not as a missing peer for failover", () => {
    expect(lines(check({ peers: '["friend:dc2"]', failoverMode: "resolver" }).problems)).toEqual([
      'hashistack:peers[0]: received "friend:dc2"; allowed: "acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>", the datacenter being 2-20 lowercase letters, digits or hyphens, starting with a letter',
    ]);
  });

  test("a short dialer entry takes this run's project", () => {
    const { value } = check({ peers: '["dialer:dc2:dc2"]' }, { project: "other" });
    expect(value.peers[0]?.stack).toBe("acme/other/dc2");
  });
});

describe("peers through validateConfig", () => {
  test("a dialer entry naming just the stack is qualified with the organization and project", () => {
    const cfg = validateConfig(
      base({ datacenter: "dc2", peers: '["dialer:dc1:dc1"]' }, { project: "hashistack" }),
      "dc2",
    );
    expect(cfg.peers).toEqual([
      { role: "dialer", datacenter: "dc1", peerName: "dc1-default", stack: "acme/hashistack/dc1" },
    ]);
  });

  test.each([
    ["unset", undefined],
    ["empty", ""],
    ["whitespace only", "  \n"],
  ])("license %s: no license, nothing Enterprise", (_name, value) => {
    const lic = value === undefined ? undefined : { value, secret: true };
    const cfg = validateConfig(base({}, { consulLicense: lic, nomadLicense: lic }), "dc1");
    expect(cfg.consulLicense).toBeUndefined();
    expect(cfg.nomadLicense).toBeUndefined();
  });

  test("a license comes out as a Pulumi secret", async () => {
    const cfg = validateConfig(
      base({}, { nomadLicense: { value: "02MV4UU43BK5HGYY", secret: true } }),
      "dc1",
    );
    expect(cfg.nomadLicense).toBeDefined();
    expect(await pulumi.isSecret(cfg.nomadLicense as pulumi.Output<string>)).toBe(true);
  });

  test("a dialer keeps its fully-qualified acceptor stack", () => {
    const cfg = validateConfig(
      base({ datacenter: "dc2", peers: '["dialer:dc1:acme/hashistack/dc1"]' }),
      "dc2",
    );
    expect(cfg.peers).toEqual([
      { role: "dialer", datacenter: "dc1", peerName: "dc1-default", stack: "acme/hashistack/dc1" },
    ]);
  });

  const cases: [string, RawConfig, string][] = [
    [
      "unknown failover mode",
      base({ failoverMode: "dns" }),
      'hashistack:failoverMode: received "dns"; allowed: none, resolver, sameness-group',
    ],
    [
      "sameness-group without an Enterprise license",
      base({ failoverMode: "sameness-group" }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them',
    ],
    [
      "failover without peers",
      base({ failoverMode: "resolver", peers: "[]" }),
      'hashistack:failoverMode: received "resolver"; allowed: "none" when hashistack:peers is empty (failover needs a peer)',
    ],
    [
      "dialer without a stack name",
      base({ peers: '["dialer:dc2"]' }),
      'hashistack:peers[0]: received "dialer:dc2"; allowed: a dialer names its acceptor\'s stack: "dialer:<remote-datacenter>:<stack>" (a stack of this project) or "dialer:<remote-datacenter>:<org>/<project>/<stack>"',
    ],
    [
      "dialer with a project/stack name",
      base({ peers: '["dialer:dc2:hashistack/dc2"]' }),
      'hashistack:peers[0]: received "dialer:dc2:hashistack/dc2"; allowed: a dialer names its acceptor\'s stack: "dialer:<remote-datacenter>:<stack>" (a stack of this project) or "dialer:<remote-datacenter>:<org>/<project>/<stack>", each name part letters, digits, ".", "_" or "-"',
    ],
    [
      "short dialer entry when the CLI passed no organization",
      base({ peers: '["dialer:dc2:dc2"]' }, { organization: undefined }),
      'hashistack:peers[0]: received "dialer:dc2:dc2"; allowed: the fully-qualified "dialer:dc2:<org>/hashistack/dc2": this Pulumi CLI passed no organization to the program',
    ],
    [
      "dialer of its own stack, short form",
      base({ peers: '["dialer:dc2:dc1"]' }),
      'hashistack:peers[0]: received "dialer:dc2:dc1"; allowed: the acceptor\'s stack, not this one (acme/hashistack/dc1): a dialer reads the peering token its acceptor exports',
    ],
    [
      "dialer of its own stack, fully qualified",
      base({ peers: '["dialer:dc2:acme/hashistack/dc1"]' }),
      'hashistack:peers[0]: received "dialer:dc2:acme/hashistack/dc1"; allowed: the acceptor\'s stack, not this one (acme/hashistack/dc1): a dialer reads the peering token its acceptor exports',
    ],
    [
      "unknown peer role",
      base({ peers: '["friend:dc2"]' }),
      'hashistack:peers[0]: received "friend:dc2"; allowed: "acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>", the datacenter being 2-20 lowercase letters, digits or hyphens, starting with a letter',
    ],
    [
      "sameness-group with an empty Consul license",
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: "", secret: true } }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them (it is set but blank, which means none)',
    ],
    [
      "sameness-group with a whitespace-only Consul license",
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: " \t\n", secret: true } }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them (it is set but blank, which means none)',
    ],
    [
      "a license stored in plain text",
      base({}, { consulLicense: { value: "02MV4UU43BK5HGYY", secret: false } }),
      "hashistack:consulLicense: received a plain-text value (not shown); allowed: a secret: pulumi config set --secret hashistack:consulLicense <license> (plain text would sit readable in the stack file)",
    ],
    [
      "peering with itself",
      base({ peers: '["acceptor:dc1"]' }),
      'hashistack:peers: received "[\\"acceptor:dc1\\"]"; allowed: remote datacenters other than this one (dc1)',
    ],
    [
      "duplicate peer",
      base({ peers: '["acceptor:dc2","dialer:dc2:o/p/dc2"]' }),
      'hashistack:peers: received "[\\"acceptor:dc2\\",\\"dialer:dc2:o/p/dc2\\"]"; allowed: each remote datacenter once',
    ],
    [
      "peers not a list",
      base({ peers: "dc2" }),
      'hashistack:peers: received "dc2"; allowed: a JSON list of "acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>"',
    ],
    [
      "peering generation zero",
      base({ peeringGeneration: "0" }),
      'hashistack:peeringGeneration: received "0"; allowed: an integer from 1 to 1000000',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );

  test("sameness-group is accepted with a Consul Enterprise license", () => {
    const cfg = validateConfig(
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: "lic", secret: true } }),
      "dc1",
    );
    expect(cfg.failoverMode).toBe("sameness-group");
  });
});
