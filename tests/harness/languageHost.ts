/**
 * Runs `index.ts` the way the Pulumi CLI does, minus the CLI: the SDK's own entry point
 * (`@pulumi/pulumi/cmd/run`, which the Node.js language host starts with the same flags and
 * environment, see sdk/nodejs/cmd/pulumi-language-nodejs/main.go constructArguments) in a
 * child process, connected over gRPC on 127.0.0.1 to a resource monitor (the recording mock
 * monitor) and an engine that records every log message. What the engine records is what
 * the CLI prints (as `error: <message>`); exit code 32 tells the language host the program
 * already showed the user an actionable message, so the CLI adds nothing.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as grpc from "@grpc/grpc-js";
import { MockOverrides, ProgramMocks } from "./mocks";
import { installMocks } from "./program";
import { RecordingMonitor } from "./recorder";
import { ROOT } from "./stackConfig";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb") as {
  ResourceMonitorService: grpc.ServiceDefinition;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as {
  EngineService: grpc.ServiceDefinition;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb") as {
  SupportsFeatureResponse: new () => { setHassupport(b: boolean): void };
  ResourceMonitorFeature: Record<string, number>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engproto = require("@pulumi/pulumi/proto/engine_pb") as {
  GetRootResourceResponse: new () => { setUrn(u: string): void };
  SetRootResourceResponse: new () => object;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as {
  Empty: new () => object;
};

/** One message the program logged through the engine. */
export interface EngineLog {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
}

/** What a run under the language runtime produced. */
export interface HostRun {
  logs: EngineLog[];
  exitCode: number | null;
  stderr: string;
  monitor: RecordingMonitor;
}

/** Options of one run. */
export interface HostRunOptions {
  stack: string;
  /** Full config (Pulumi's env form: full keys, string values, lists as JSON). */
  config: Record<string, string>;
  secretKeys?: string[];
  organization?: string;
  mocks?: MockOverrides;
  timeoutMs?: number;
  /**
   * Monitor features to leave out of GetDeploymentInfo, as an older CLI's engine would
   * (names of `ResourceMonitorFeature` without the prefix, e.g. "REPLACE_WITH").
   */
  withoutFeatures?: string[];
}

type Handler = grpc.handleUnaryCall<unknown, unknown>;
type Callback = (err: unknown, resp?: unknown) => void;

/** Protobuf responses only: the mock monitor answers some calls with a bare `{}`. */
const proto =
  (cb: grpc.sendUnaryData<unknown>): Callback =>
  (err, resp) =>
    err
      ? cb(err)
      : cb(
          null,
          resp && typeof (resp as { serializeBinary?: unknown }).serializeBinary === "function"
            ? resp
            : new emptyproto.Empty(),
        );

async function listen(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return `127.0.0.1:${port}`;
}

/** Runs the program under `@pulumi/pulumi/cmd/run` against local monitor and engine servers. */
export async function runUnderLanguageHost(opts: HostRunOptions): Promise<HostRun> {
  const organization = opts.organization ?? "organization";
  const monitor = new RecordingMonitor(new ProgramMocks(opts.mocks ?? {}));
  // The monitor names URNs from this process's settings: the same project and stack.
  installMocks(monitor, opts.stack, false, organization);
  const m = monitor as unknown as Record<string, (req: unknown, cb: Callback) => unknown>;
  const via =
    (name: string): Handler =>
    (call, cb) =>
      void m[name]?.call(monitor, call.request, proto(cb));
  const server = new grpc.Server();
  server.addService(resrpc.ResourceMonitorService, {
    supportsFeature: ((call, cb) => {
      const resp = new resproto.SupportsFeatureResponse();
      resp.setHassupport((call.request as { getId(): string }).getId() !== "outputValues");
      cb(null, resp);
    }) as Handler,
    getDeploymentInfo: ((call, cb) => {
      const left = new Set(
        (opts.withoutFeatures ?? []).map(
          (f) => resproto.ResourceMonitorFeature[`RESOURCE_MONITOR_FEATURE_${f}`],
        ),
      );
      m.getDeploymentInfo?.call(monitor, call.request, (err, resp) => {
        const info = resp as { getSupportedfeaturesList(): number[] } & {
          setSupportedfeaturesList(l: number[]): void;
        };
        if (!err && info) {
          info.setSupportedfeaturesList(
            info.getSupportedfeaturesList().filter((f) => !left.has(f)),
          );
        }
        proto(cb)(err, resp);
      });
    }) as Handler,
    registerResource: via("registerResource"),
    registerResourceOutputs: via("registerResourceOutputs"),
    readResource: via("readResource"),
    invoke: via("invoke"),
    registerPackage: via("registerPackage"),
    signalAndWaitForShutdown: ((_call, cb) => cb(null, new emptyproto.Empty())) as Handler,
  });
  const logs: EngineLog[] = [];
  const severities = ["debug", "info", "warning", "error"] as const;
  let rootUrn = "";
  server.addService(engrpc.EngineService, {
    log: ((call, cb) => {
      const req = call.request as { getSeverity(): number; getMessage(): string };
      logs.push({ severity: severities[req.getSeverity()] ?? "info", message: req.getMessage() });
      cb(null, new emptyproto.Empty());
    }) as Handler,
    setRootResource: ((call, cb) => {
      rootUrn = (call.request as { getUrn(): string }).getUrn();
      cb(null, new engproto.SetRootResourceResponse());
    }) as Handler,
    getRootResource: ((_call, cb) => {
      const resp = new engproto.GetRootResourceResponse();
      resp.setUrn(rootUrn);
      cb(null, resp);
    }) as Handler,
  });
  const address = await listen(server);
  const runtime =
    (
      yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        runtime: { options?: { typescript?: boolean; tsconfig?: string } };
      }
    ).runtime.options ?? {};
  try {
    const run = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run");
    // The flags and environment the language host passes (constructArguments / constructEnv);
    // TRANSPILE_ONLY only skips ts-node's type check (npm test type-checks separately).
    const args = [run, "--monitor", address, "--engine", address, "--organization", organization];
    args.push("--project", "hashistack", "--root-directory", ROOT, "--stack", opts.stack);
    args.push("--pwd", ROOT, "--parallel", "4", ".");
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        PULUMI_CONFIG: JSON.stringify(opts.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys ?? []),
        // Pulumi.yaml's runtime options, as the language host passes them.
        PULUMI_NODEJS_TYPESCRIPT: String(runtime.typescript === true),
        ...(runtime.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: runtime.tsconfig } : {}),
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stderr += d.toString()));
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 90_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    return { logs, exitCode, stderr, monitor };
  } finally {
    server.forceShutdown();
  }
}
