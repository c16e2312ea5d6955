import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { renderExports } from "../scripts/envExports";
import { NO_CLI } from "../scripts/pulumiCli";
import { deployOrder, destroyOrder, readStackPeers } from "../scripts/stackOrder";
import { ROOT } from "./harness/stackConfig";

describe("stack order", () => {
  test("the shipped stacks: dc1 (acceptor) before dc2 (dialer); destroy reversed", () => {
    const stacks = readStackPeers(ROOT);
    expect(stacks).toEqual([
      { stack: "dc1", dials: [] },
      { stack: "dc2", dials: ["dc1"] },
    ]);
    expect(deployOrder(stacks)).toEqual(["dc1", "dc2"]);
    expect(destroyOrder(stacks)).toEqual(["dc2", "dc1"]);
  });

  test("three stacks: dc3 dials dc1 and accepts dc2", () => {
    const stacks = [
      { stack: "dc2", dials: ["dc3"] },
      { stack: "dc3", dials: ["dc1"] },
      { stack: "dc1", dials: [] },
    ];
    expect(deployOrder(stacks)).toEqual(["dc1", "dc3", "dc2"]);
    expect(destroyOrder(stacks)).toEqual(["dc2", "dc3", "dc1"]);
  });

  test("stacks of another project impose no order; independent stacks sort by name", () => {
    expect(
      deployOrder([
        { stack: "b", dials: ["elsewhere"] },
        { stack: "a", dials: [] },
      ]),
    ).toEqual(["a", "b"]);
  });

  test("a cycle is an error naming the stacks", () => {
    expect(() =>
      deployOrder([
        { stack: "dc1", dials: ["dc2"] },
        { stack: "dc2", dials: ["dc1"] },
      ]),
    ).toThrow(
      "peering cycle between stacks dc1, dc2: each dialer needs its acceptor deployed first; make one stack the acceptor of the other instead of both dialing",
    );
  });
});

describe("operator exports", () => {
  const outputs = {
    consulUrl: "https://203.0.113.10:8501",
    nomadUrl: "https://203.0.113.10:4646",
    consulToken: "11111111-2222-4333-8444-555555555555",
    nomadToken: "66666666-7777-4888-8999-000000000000",
    caCertPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
  };

  test("exports for Consul and Nomad with the CA file, TLS verification on", () => {
    const text = renderExports("dc1", outputs, "/tmp/dc1-ca.pem");
    expect(text).toBe(
      [
        "export CONSUL_HTTP_ADDR='https://203.0.113.10:8501'",
        "export CONSUL_CACERT='/tmp/dc1-ca.pem'",
        "export CONSUL_HTTP_TOKEN='11111111-2222-4333-8444-555555555555'",
        "export NOMAD_ADDR='https://203.0.113.10:4646'",
        "export NOMAD_CACERT='/tmp/dc1-ca.pem'",
        "export NOMAD_TOKEN='66666666-7777-4888-8999-000000000000'",
        "",
      ].join("\n"),
    );
    expect(text).not.toMatch(/SSL_VERIFY|SKIP_VERIFY/);
    const env = execFileSync(
      "bash",
      ["-c", `${text}\nprintf '%s|%s' "$CONSUL_HTTP_ADDR" "$NOMAD_CACERT"`],
      { encoding: "utf8" },
    );
    expect(env).toBe("https://203.0.113.10:8501|/tmp/dc1-ca.pem");
  });

  test("a stack without outputs says it is not deployed", () => {
    expect(() => renderExports("dc2", { consulUrl: "x" }, "/tmp/ca.pem")).toThrow(
      "stack dc2 lacks outputs nomadUrl, consulToken, nomadToken, caCertPem: has it been deployed (pulumi up -s dc2)?",
    );
  });
});

describe("without the Pulumi CLI", () => {
  const run = (script: string, args: string[]) =>
    spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", script, ...args],
      {
        cwd: ROOT,
        // A PATH where no `pulumi` can be found.
        env: { ...process.env, PATH: path.dirname(process.execPath) },
        encoding: "utf8",
        timeout: 120_000,
      },
    );

  test("deploy prints the order, then one line on installing the CLI, and exits 2", () => {
    const r = run("scripts/deploy.ts", ["up"]);
    expect(r.stdout).toContain("deploy order: dc1 → dc2");
    expect(r.stderr.trim()).toBe(NO_CLI);
    expect(r.status).toBe(2);
  });

  test("destroy goes dialers first", () => {
    expect(run("scripts/deploy.ts", ["destroy"]).stdout).toContain("destroy order: dc2 → dc1");
  });

  test("env explains the same", () => {
    const r = run("scripts/env.ts", ["dc1"]);
    expect(r.stderr.trim()).toBe(NO_CLI);
    expect(r.status).toBe(2);
  });
});
