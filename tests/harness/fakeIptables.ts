/**
 * A fake `iptables` (filter table only) for boot-script tests: a small executable that keeps
 * chains in a JSON file and answers -N/-F/-A/-I/-C/-S with iptables' exit codes, plus a
 * packet walker that evaluates those rules the way netfilter traverses the filter table
 * (first match wins, RETURN pops, a built-in chain ends in its policy). It supports the match
 * subset the boot script, Docker and the CNI firewall plugin use: -s, -d, -p, --dport, -i,
 * -o (with "!"), conntrack state and comments.
 */
import * as fs from "fs";
import * as path from "path";

/** Chains by name; each rule is its argument list after the chain name. */
export interface IptablesState {
  policies: Record<string, "ACCEPT" | "DROP">;
  chains: Record<string, string[][]>;
}

/** Writes the fake binary into `dir` (named `iptables`), with its state in `stateFile`. */
export function installFakeIptables(dir: string, stateFile: string, state: IptablesState): void {
  fs.writeFileSync(stateFile, JSON.stringify(state));
  const node = process.execPath;
  const script = `#!${node}
const fs = require("fs");
const file = ${JSON.stringify(stateFile)};
const st = JSON.parse(fs.readFileSync(file, "utf8"));
let args = process.argv.slice(2).filter((a) => a !== "-w");
if (args[0] === "-t") { if (args[1] !== "filter") process.exit(2); args = args.slice(2); }
const [op, chain, ...rest] = args;
const save = () => fs.writeFileSync(file, JSON.stringify(st));
const fail = (m, code = 1) => { process.stderr.write("iptables: " + m + "\\n"); process.exit(code); };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
if (op === "-S") { for (const [c, rs] of Object.entries(st.chains)) for (const r of rs) console.log(["-A", c, ...r].join(" ")); process.exit(0); }
if (op === "-N") { if (st.chains[chain]) fail("Chain already exists."); st.chains[chain] = []; save(); process.exit(0); }
const rules = st.chains[chain];
if (!rules) fail("No chain/target/match by that name.");
if (op === "-F") { st.chains[chain] = []; save(); process.exit(0); }
if (op === "-A") { rules.push(rest); save(); process.exit(0); }
if (op === "-I") { let pos = 1, r = rest; if (/^\\d+$/.test(rest[0] || "")) { pos = Number(rest[0]); r = rest.slice(1); } rules.splice(pos - 1, 0, r); save(); process.exit(0); }
if (op === "-C") { process.exit(rules.some((r) => same(r, rest)) ? 0 : 1); }
fail("unsupported operation " + op, 2);
`;
  const bin = path.join(dir, "iptables");
  fs.writeFileSync(bin, script, { mode: 0o755 });
}

/** Reads the fake's state back. */
export function readIptables(stateFile: string): IptablesState {
  return JSON.parse(fs.readFileSync(stateFile, "utf8")) as IptablesState;
}

/** A packet as the filter table sees it. */
export interface Packet {
  src: string;
  dst: string;
  proto: "tcp" | "udp";
  dport: number;
  in: string;
  out: string;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits = "32"] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) >>> 0 === (n(base ?? "") & mask) >>> 0;
}

/** Whether one rule's matches all hold for a new (not yet established) packet. */
function matches(rule: string[], p: Packet): boolean {
  for (let i = 0; i < rule.length; i++) {
    let neg = false;
    let tok = rule[i];
    if (tok === "!") {
      neg = true;
      tok = rule[++i];
    }
    const val = rule[i + 1] ?? "";
    let ok: boolean;
    switch (tok) {
      case "-s":
        ok = ipInCidr(p.src, val);
        break;
      case "-d":
        ok = ipInCidr(p.dst, val);
        break;
      case "-p":
        ok = p.proto === val;
        break;
      case "--dport":
        ok = p.dport === Number(val);
        break;
      case "-i":
        ok = p.in === val;
        break;
      case "-o":
        ok = p.out === val;
        break;
      case "--ctstate":
        ok = val.split(",").includes("NEW");
        break;
      case "-j":
        return true;
      case "-m":
      case "--comment":
      case "--reject-with":
        i++;
        continue;
      default:
        throw new Error(`fake iptables: unsupported match ${tok} in ${rule.join(" ")}`);
    }
    if (ok === neg) return false;
    i++;
  }
  return true;
}

/** The verdict of the filter table for a packet entering `chain` (e.g. FORWARD). */
export function verdict(state: IptablesState, chain: string, p: Packet): string {
  const walk = (name: string, depth: number): string | undefined => {
    if (depth > 20) throw new Error("fake iptables: jump loop");
    for (const rule of state.chains[name] ?? []) {
      if (!matches(rule, p)) continue;
      const target = rule[rule.indexOf("-j") + 1] ?? "";
      if (["ACCEPT", "DROP", "REJECT"].includes(target)) return target;
      if (target === "RETURN") return undefined;
      const sub = walk(target, depth + 1);
      if (sub) return sub;
    }
    return undefined;
  };
  return walk(chain, 0) ?? state.policies[chain] ?? "ACCEPT";
}
