/**
 * Real-cloud acceptance test. Runs only with a GCP project, credentials and the Pulumi CLI:
 *   HASHISTACK_ACCEPTANCE_PROJECT=<project> HASHISTACK_ACCEPTANCE_OPERATOR_CIDR=<your egress/32> \
 *   [HASHISTACK_ACCEPTANCE_ORG=organization] npx jest tests/acceptance.test.ts
 * Skipped otherwise, with the reason in the test name; always type-checked by `npm test`.
 * Deploys two throwaway stacks, checks peering, the API gateway, the discovery chain and the
 * failover drill, then a no-change preview, and destroys both (dialer first).
 */
import * as http from "http";
import * as crypto from "crypto";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { callApi } from "../components/nomad/apiClient";
import { hasPulumiCli, NO_CLI } from "../scripts/pulumiCli";
import { readStackConfig, ROOT } from "./harness/stackConfig";

const project = process.env.HASHISTACK_ACCEPTANCE_PROJECT;
const operatorCidr = process.env.HASHISTACK_ACCEPTANCE_OPERATOR_CIDR;
const org = process.env.HASHISTACK_ACCEPTANCE_ORG ?? "organization";
const reason = !project
  ? "set HASHISTACK_ACCEPTANCE_PROJECT and GCP credentials to run"
  : !operatorCidr
    ? "set HASHISTACK_ACCEPTANCE_OPERATOR_CIDR to this machine's egress range"
    : !hasPulumiCli()
      ? NO_CLI
      : undefined;
const suite = reason ? describe.skip : describe;
// A fully skipped suite prints nothing; a todo puts the reason in the test log.
if (reason) test.todo(`acceptance on GCP not run: ${reason}`);
const HOURS = 3600_000;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 20_000 }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  minutes = 10,
): Promise<T> {
  const deadline = Date.now() + minutes * 60_000;
  let last = "";
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not true after ${minutes} min ${last ? `(last error: ${last})` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

suite(`acceptance on GCP${reason ? ` (skipped: ${reason})` : ""}`, () => {
  const id = crypto.randomBytes(3).toString("hex");
  const dcA = `acc${id}a`;
  const dcB = `acc${id}b`;
  const stacks: Stack[] = [];
  type Outputs = Record<string, { value: unknown }>;
  const out: Record<string, Outputs> = {};

  async function deploy(
    name: string,
    file: string,
    overrides: Record<string, string>,
  ): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: ROOT });
    stacks.push(stack);
    const base = readStackConfig(file);
    const config = {
      ...base,
      "gcp:project": project as string,
      "hashistack:operatorCidrs": JSON.stringify([operatorCidr]),
      // Throwaway stacks: destroyed at the end, so not protected.
      "hashistack:protectCluster": "false",
      ...overrides,
    };
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
    );
    await stack.up({ onOutput: (o) => process.stdout.write(o) });
    out[name] = await stack.outputs();
    return stack;
  }
  const o = (stack: string, key: string) => out[stack]?.[key]?.value as string;
  const consul = (stack: string, path: string) =>
    callApi(
      {
        baseUrl: o(stack, "consulUrl"),
        path,
        caPem: o(stack, "caCertPem"),
        token: { header: "X-Consul-Token", value: o(stack, "consulToken") },
      },
      path,
      { attempts: 3, baseDelayMs: 2000 },
    );

  beforeAll(async () => {
    await deploy(`acc-${id}-dc1`, `${ROOT}/Pulumi.dc1.yaml`, {
      "hashistack:datacenter": dcA,
      "hashistack:peers": JSON.stringify([`acceptor:${dcB}`]),
    });
    await deploy(`acc-${id}-dc2`, `${ROOT}/Pulumi.dc2.yaml`, {
      "hashistack:datacenter": dcB,
      "hashistack:peers": JSON.stringify([`dialer:${dcA}:${org}/hashistack/acc-${id}-dc1`]),
    });
  }, 3 * HOURS);

  afterAll(async () => {
    // Dialer first, then the acceptor.
    for (const stack of [...stacks].reverse()) {
      await stack.destroy({ onOutput: (x) => process.stdout.write(x) });
      await stack.workspace.removeStack(stack.name);
    }
  }, 2 * HOURS);

  test("peering is ACTIVE on both sides and dc1 sees dc2's services", async () => {
    for (const [stack, peer] of [
      [`acc-${id}-dc1`, `${dcB}-default`],
      [`acc-${id}-dc2`, `${dcA}-default`],
    ] as const) {
      await eventually(
        `peering ${peer} ACTIVE`,
        async () =>
          ((await consul(stack, `/v1/peering/${peer}`)).body as { State?: string }).State ===
            "ACTIVE" || undefined,
      );
    }
    const services = (await consul(`acc-${id}-dc1`, `/v1/catalog/services?peer=${dcB}-default`))
      .body as Record<string, unknown>;
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["public-api", "private-api"]));
  });

  test("HTTP 200 through the API gateway, front-service reaching all upstreams", async () => {
    const res = await eventually("API gateway answers 200", async () => {
      const r = await get(o(`acc-${id}-dc1`, "apiGatewayUrl"));
      return r.status === 200 && r.body.includes("private-api") ? r : undefined;
    });
    expect(res.body).toContain("public-api");
    expect(res.body).toContain(`private-api@${dcB}`);
  });

  test("the discovery chain of public-api fails over to the peer", async () => {
    const chain = JSON.stringify(
      (await consul(`acc-${id}-dc1`, "/v1/discovery-chain/public-api")).body,
    );
    expect(chain).toContain(`external.${dcB}-default`);
  });

  test("failover drill: with dc1's backends stopped, the gateway still serves", async () => {
    const stack = `acc-${id}-dc1`;
    await callApi(
      {
        baseUrl: o(stack, "nomadUrl"),
        path: "/v1/job/demo-backends?purge=true",
        method: "DELETE",
        caPem: o(stack, "caCertPem"),
        token: { header: "X-Nomad-Token", value: o(stack, "nomadToken") },
      },
      "stop demo-backends",
      { attempts: 3, baseDelayMs: 2000 },
    );
    const res = await eventually("served from the peer", async () => {
      const r = await get(o(stack, "apiGatewayUrl"));
      return r.status === 200 && r.body.includes(`public-api@${dcB}`) ? r : undefined;
    });
    expect(res.status).toBe(200);
  });

  test(
    "a second preview has no changes (after restoring the backends)",
    async () => {
      const stack = stacks[0] as Stack;
      // As the README's drill: the refresh finds demo-backends purged, the update re-creates it.
      await stack.up({ refresh: true, onOutput: (x) => process.stdout.write(x) });
      const dc1 = `acc-${id}-dc1`;
      const job = await callApi(
        {
          baseUrl: o(dc1, "nomadUrl"),
          path: "/v1/job/demo-backends",
          caPem: o(dc1, "caCertPem"),
          token: { header: "X-Nomad-Token", value: o(dc1, "nomadToken") },
        },
        "read demo-backends",
        { attempts: 3, baseDelayMs: 2000 },
      );
      expect((job.body as { Stop?: boolean }).Stop).toBe(false);
      for (const s of stacks) {
        const preview = await s.preview();
        const changes = Object.entries(preview.changeSummary).filter(
          ([op, n]) => op !== "same" && (n ?? 0) > 0,
        );
        expect([s.name, changes]).toEqual([s.name, []]);
      }
    },
    HOURS,
  );
});
