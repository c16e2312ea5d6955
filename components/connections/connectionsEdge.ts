/**
 * Connection matrix, part two: the Envoy bootstraps and the API gateway's setup task (from
 * the jobspecs), the program itself through the control-plane load balancer, Google's
 * health checks, and users of the API gateway.
 */
import {
  MatrixContext,
  consulGrpc,
  consulHttps,
  hostPort,
  listenerAt,
  nameOf,
  presentsOrNone,
} from "./connectionBuilders";
import { Connection, JobArtifact } from "./connectionTypes";
import { Block, jobNamed, labelled, meshServices, one, text, withVars } from "./jobspecView";
import { HEALTH_CHECK_RANGES } from "../config/constants";

/** Everything in this part. */
export function edgeConnections(ctx: MatrixContext): Connection[] {
  return [
    ...envoyBootstraps(ctx),
    ...apiGatewaySetup(ctx),
    ...programToControlPlane(ctx),
    ...healthChecks(ctx),
    ...apiGatewayUsers(ctx),
  ];
}

/** `consul connect envoy -bootstrap` that Nomad runs for each sidecar and gateway. */
function envoyBootstraps(ctx: MatrixContext): Connection[] {
  const n = ctx.client.nomad.consul;
  const ca = ctx.certs.caOfFile(ctx.client, n.ca_file);
  const out: Connection[] = [];
  for (const job of ctx.a.jobs) {
    for (const [groupName, group] of labelled(job.job, "group")) {
      for (const svc of meshServices(group)) {
        const who = `envoy bootstrap ${job.name}/${groupName} (${svc.kind})`;
        // Nomad passes -http-addr consul.address, -ca-file consul.ca_file and
        // CONSUL_HTTP_SSL (taskrunner/envoy_bootstrap_hook.go); no server name is set.
        out.push(
          consulHttps(ctx, "client", `${who} -> consul-client https`, n.address, ca, undefined, [
            `jobspec ${job.name} group ${groupName} connect`,
            "nomad.json consul.address, consul.ca_file",
          ]),
        );
        // xDS: host networking dials 127.0.0.1:8502 (grpcDefaultAddress); bridge networking
        // the alloc socket that Nomad proxies to consul.grpc_address.
        const mode = text(one(group.network).mode) || "host";
        const address = mode === "host" ? "127.0.0.1:8502" : n.grpc_address;
        out.push(
          consulGrpc(
            ctx,
            "client",
            `envoy ${job.name}/${groupName} xDS -> consul-client grpc`,
            address,
            undefined,
            [
              `jobspec ${job.name} group ${groupName} network.mode = ${mode}`,
              "nomad.json consul.grpc_address",
            ],
          ),
        );
      }
    }
  }
  return out;
}

/** The CA file a task's env names, resolved through the task's template blocks. */
function taskCa(ctx: MatrixContext, job: JobArtifact, task: Block, envPath: string): string {
  const file = envPath.replace("${NOMAD_SECRETS_DIR}/", "secrets/");
  const tpl = (Array.isArray(task.template) ? (task.template as Block[]) : []).find(
    (t) => t.destination === file,
  );
  if (!tpl) throw new Error(`job ${job.name}: no template writes ${file}`);
  return ctx.certs.caOfPem(withVars(job, tpl.data), `job ${job.name} ${file}`);
}

/** The API gateway's setup task: registers the gateway and writes Envoy's bootstrap. */
function apiGatewaySetup(ctx: MatrixContext): Connection[] {
  const job = jobNamed(ctx.a.jobs, "api-gateway");
  if (!job) return [];
  const out: Connection[] = [];
  for (const [groupName, group] of labelled(job.job, "group")) {
    for (const [taskName, task] of labelled(group, "task")) {
      const env = one(task.env);
      if (!env.CONSUL_HTTP_ADDR) continue;
      const where = `jobspec ${job.name} ${groupName}/${taskName} env`;
      const ca = taskCa(ctx, job, task, text(env.CONSUL_CACERT));
      const serverName = env.CONSUL_TLS_SERVER_NAME
        ? withVars(job, env.CONSUL_TLS_SERVER_NAME)
        : undefined;
      out.push(
        consulHttps(
          ctx,
          "client",
          `api-gateway ${taskName} -> consul-client https`,
          text(env.CONSUL_HTTP_ADDR),
          ca,
          serverName,
          [`${where} CONSUL_HTTP_ADDR, CONSUL_CACERT, CONSUL_TLS_SERVER_NAME`],
        ),
      );
      const grpc = text(env.CONSUL_GRPC_ADDR);
      if (grpc) {
        // `consul connect envoy`: TLS when the address says https:// (xdsAddress); the CA is
        // CONSUL_GRPC_CACERT, else CONSUL_CACERT (templateArgs fallback).
        const tls = grpc.startsWith("https://")
          ? { ca: taskCa(ctx, job, task, text(env.CONSUL_GRPC_CACERT) || text(env.CONSUL_CACERT)) }
          : undefined;
        out.push(
          consulGrpc(ctx, "client", `api-gateway envoy xDS -> consul-client grpc`, grpc, tls, [
            `${where} CONSUL_GRPC_ADDR, CONSUL_GRPC_CACERT`,
          ]),
        );
      }
    }
  }
  return out;
}

/** A TLS client through a passthrough LB to the servers' listener at that port. */
function throughLb(
  ctx: MatrixContext,
  id: string,
  url: string,
  caPem: string,
  evidence: string,
): Connection {
  const { host, port } = hostPort(url);
  const lb = ctx.a.loadBalancers.find((l) => l.address === host);
  const tag = lb?.backendTags[0] ?? "(no load balancer at this address)";
  const listener = listenerAt(ctx, tag, port);
  return {
    id,
    source: {
      kind: "ranges",
      ranges: ctx.a.sources.operatorCidrs,
      configKey: "hashistack:operatorCidrs",
      who: "the Pulumi program",
    },
    destination: {
      address: host,
      resolved: host,
      port,
      listenerPort: listener ? port : -1,
      protocol: "tcp",
      tag,
      loadBalancer: lb?.role ?? "(none)",
      binds: listener?.binds ?? [],
    },
    transport: {
      kind: "tls",
      presents: presentsOrNone(listener?.presents, `${tag}:${port}`),
      verify: { cas: [ctx.certs.caOfPem(caPem, id)], name: nameOf(host) },
    },
    evidence: [evidence],
  };
}

/** The program: Consul provider, readiness gate, Nomad jobs, all through the LB. */
function programToControlPlane(ctx: MatrixContext): Connection[] {
  const p = ctx.a.program;
  return [
    throughLb(
      ctx,
      "program (consul provider) -> control plane consul",
      `${p.consulProvider.scheme}://${p.consulProvider.address}`,
      p.consulProvider.caPem,
      "consul.Provider address, scheme, caPem",
    ),
    throughLb(
      ctx,
      "program (readiness gate) -> control plane consul",
      p.gate.consulAddress,
      p.gate.caPem,
      "ReadinessGate consulAddress, caPem",
    ),
    throughLb(
      ctx,
      "program (readiness gate) -> control plane nomad",
      p.gate.nomadAddress,
      p.gate.caPem,
      "ReadinessGate nomadAddress, caPem",
    ),
    throughLb(
      ctx,
      "program (nomad jobs) -> control plane nomad",
      p.nomad.address,
      p.nomad.caPem,
      "NomadJob connection address, caPem",
    ),
  ];
}

/** Google's probes: each LB's health check (sent to the LB's address) and autohealing. */
function healthChecks(ctx: MatrixContext): Connection[] {
  const checks = [
    ...ctx.a.loadBalancers.map((lb) => ({
      id: `gce health check -> ${lb.role} lb`,
      lb: lb.role,
      address: lb.address,
      tag: lb.backendTags[0] ?? "",
      port: lb.healthCheck.port,
      https: lb.healthCheck.https,
    })),
    ...ctx.a.autoheal.map((h) => ({
      id: `gce autohealing -> ${h.tags[0] ?? ""}`,
      lb: undefined,
      address: `<${h.tags[0] ?? ""} VM>`,
      tag: h.tags[0] ?? "",
      port: h.port,
      https: false,
    })),
  ];
  return checks.map((c) => {
    const listener = listenerAt(ctx, c.tag, c.port);
    return {
      id: `${c.id}:${c.port}`,
      source: {
        kind: "ranges",
        ranges: [...HEALTH_CHECK_RANGES],
        configKey: "Google health-check ranges",
        who: "GCE health checks",
      },
      destination: {
        address: c.address,
        resolved: c.address,
        port: c.port,
        listenerPort: listener ? c.port : -1,
        protocol: "tcp",
        tag: c.tag,
        ...(c.lb ? { loadBalancer: c.lb } : {}),
        binds: listener?.binds ?? [],
      },
      // Google's HTTPS checks do not verify the certificate; TCP checks only connect.
      transport: c.https
        ? {
            kind: "tls-unverified",
            presents: presentsOrNone(listener?.presents, `${c.tag}:${c.port}`),
          }
        : { kind: "plaintext", why: "TCP connect" },
      evidence: [
        "RegionHealthCheck / HealthCheck port and protocol",
        "backend instance group tags",
      ],
    } satisfies Connection;
  });
}

/** Users to the API gateway's listener (plain HTTP, through its LB). */
function apiGatewayUsers(ctx: MatrixContext): Connection[] {
  const job = jobNamed(ctx.a.jobs, "api-gateway");
  const lb = ctx.a.loadBalancers.find((l) => l.role === "api-gateway");
  if (!job || !lb) return [];
  const port = Number(job.variables.listener_port);
  const tag = lb.backendTags[0] ?? "";
  const listener = listenerAt(ctx, tag, port);
  return [
    {
      id: "users -> api gateway listener",
      source: {
        kind: "ranges",
        ranges: ctx.a.sources.apiGatewayCidrs,
        configKey: "hashistack:apiGatewayCidrs",
        who: "users",
      },
      destination: {
        address: lb.address,
        resolved: lb.address,
        port,
        listenerPort: listener ? port : -1,
        protocol: "tcp",
        tag,
        loadBalancer: lb.role,
        binds: listener?.binds ?? [],
      },
      transport: { kind: "plaintext", why: "the api-gateway entry's HTTP listener" },
      evidence: ["api-gateway job var listener_port", "api-gateway LB address and ports"],
    },
  ];
}
