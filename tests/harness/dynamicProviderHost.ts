/**
 * Runs the SDK's own dynamic-provider plugin, `@pulumi/pulumi/cmd/dynamic-provider` (what
 * the CLI starts as `pulumi-resource-pulumi-nodejs`), and calls it over gRPC the way the
 * engine does, with a provider serialized the way `pulumi.dynamic.Resource` serializes it.
 * So the SDK's handling of `__provider`, read results and partial-failure errors is the
 * real one, not a reading of it. The plugin's stderr is kept: the engine shows each line
 * of it as a diagnostic.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type * as Grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type * as StructProto from "google-protobuf/google/protobuf/struct_pb";

// The SDK's own copies of gRPC and protobuf, as its generated stubs use them.
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = <T>(id: string): T => require(require.resolve(id, { paths: [sdkDir] })) as T; // eslint-disable-line @typescript-eslint/no-require-imports
const grpc = fromSdk<typeof Grpc>("@grpc/grpc-js");
const { Struct } = fromSdk<typeof StructProto>("google-protobuf/google/protobuf/struct_pb");
const statusproto = fromSdk<{
  Status: {
    deserializeBinary(b: Uint8Array): {
      getDetailsList(): { getTypeName(): string; getValue_asU8(): Uint8Array }[];
    };
  };
}>(path.join(sdkDir, "proto/status_pb"));

/** What an engine-side call sees when the provider fails with partial state. */
export interface InitFailure {
  message: string;
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

/** A running plugin and typed calls into it. */
export interface DynamicProviderHost {
  /** The serialized provider, as `__provider` holds it. */
  code: string;
  /** Everything the plugin wrote to stderr (what the engine shows as diagnostics). */
  stderr(): string;
  /**
   * The plugin's stderr once it contains `text` (or after `ms`): the pipe is read apart from
   * the gRPC answer, so a line written before an answer may arrive after it.
   */
  stderrWith(text: string, ms?: number): Promise<string>;
  create(props: object): Promise<{ id: string; properties: Record<string, unknown> }>;
  diff(id: string, olds: object, news: object): Promise<"none" | "some" | "unknown">;
  read(id: string, props: object): Promise<{ id: string; properties: Record<string, unknown> }>;
  update(id: string, olds: object, news: object): Promise<Record<string, unknown>>;
  delete(id: string, props: object): Promise<void>;
  /** Calls `fn` and returns the partial state packed into its gRPC error. */
  initFailure(fn: () => Promise<unknown>): Promise<InitFailure>;
  close(): Promise<void>;
}

const URN = "urn:pulumi:test::hashistack::pulumi-nodejs:dynamic/hashistack:NomadJob::job";

function unary<Res>(
  call: (cb: (e: Grpc.ServiceError | null, r: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => call((e, r) => (e ? reject(e) : resolve(r))));
}

/** Starts the plugin with `provider` serialized into every call's `__provider`. */
export async function startDynamicProviderHost(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<DynamicProviderHost> {
  const code = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }))
    .text;
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve("@pulumi/pulumi/cmd/dynamic-provider"), "127.0.0.1:1"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (c) => reject(new Error(`dynamic provider exited (${c}): ${stderr}`)));
  });
  const client = new provrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  const struct = (o: object) => Struct.fromJavaScript({ ...o, __provider: code });
  const asRecorded = (o: object) => Struct.fromJavaScript(o as never);
  const js = (s: StructProto.Struct | undefined) =>
    (s?.toJavaScript() ?? {}) as Record<string, unknown>;
  return {
    code,
    stderr: () => stderr,
    async stderrWith(text, ms = 5000) {
      const until = Date.now() + ms;
      while (!stderr.includes(text) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      return stderr;
    },
    async create(props) {
      const req = new provproto.CreateRequest().setUrn(URN).setProperties(struct(props));
      const res = await unary<provproto.CreateResponse>((cb) => client.create(req, cb));
      return { id: res.getId(), properties: js(res.getProperties()) };
    },
    async diff(id, olds, news) {
      // Olds as recorded (with their own __provider, if any); news carry this code.
      const req = new provproto.DiffRequest()
        .setId(id)
        .setUrn(URN)
        .setOlds(asRecorded(olds))
        .setNews(struct(news));
      const changes = (
        await unary<provproto.DiffResponse>((cb) => client.diff(req, cb))
      ).getChanges();
      const kinds = provproto.DiffResponse.DiffChanges;
      return changes === kinds.DIFF_NONE
        ? "none"
        : changes === kinds.DIFF_SOME
          ? "some"
          : "unknown";
    },
    async read(id, props) {
      const req = new provproto.ReadRequest()
        .setId(id)
        .setUrn(URN)
        .setProperties(asRecorded(props));
      const res = await unary<provproto.ReadResponse>((cb) => client.read(req, cb));
      return { id: res.getId(), properties: js(res.getProperties()) };
    },
    async update(id, olds, news) {
      const req = new provproto.UpdateRequest()
        .setId(id)
        .setUrn(URN)
        .setOlds(asRecorded(olds))
        .setNews(struct(news));
      return js(
        (await unary<provproto.UpdateResponse>((cb) => client.update(req, cb))).getProperties(),
      );
    },
    async delete(id, props) {
      const req = new provproto.DeleteRequest()
        .setId(id)
        .setUrn(URN)
        .setProperties(asRecorded(props));
      await unary<unknown>((cb) => client.delete(req, cb));
    },
    async initFailure(fn) {
      const err = await fn().then(
        () => {
          throw new Error("expected the call to fail");
        },
        (e: unknown) => e as Grpc.ServiceError,
      );
      const [bin] = err.metadata.get("grpc-status-details-bin") as Buffer[];
      if (!bin) throw new Error(`no partial state in the error: ${err.details}`);
      const any = statusproto.Status.deserializeBinary(bin).getDetailsList()[0];
      if (any?.getTypeName() !== "pulumirpc.ErrorResourceInitFailed")
        throw new Error(`unexpected error detail ${any?.getTypeName()}`);
      const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      return {
        message: err.details,
        id: detail.getId(),
        properties: js(detail.getProperties()),
        reasons: detail.getReasonsList(),
      };
    },
    async close() {
      client.close();
      child.kill();
      await new Promise((r) => child.once("exit", r));
    },
  };
}
