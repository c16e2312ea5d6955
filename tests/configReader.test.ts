/**
 * The reader every validation check parses its keys through (components/config/reader.ts):
 * defaults, the field parsers' messages, and which keys still count as clean.
 */
import { ConfigReader } from "../components/config/reader";
import { ConfigProblem } from "../components/config/types";
import { problemLine } from "./harness/configCases";

const lines = (r: ConfigReader) => r.problems.map(problemLine);

describe("ConfigReader", () => {
  test("a value as set, else its declared default; an undeclared key has none", () => {
    const r = new ConfigReader({ clientCount: "7", peers: undefined });
    expect(r.value("clientCount")).toBe("7");
    expect(r.value("peers")).toBe("[]");
    expect(r.value("subnetCidr")).toBeUndefined();
  });

  test("required: unset and empty are refused alike, naming the key and what is allowed", () => {
    const r = new ConfigReader({ datacenter: "" });
    expect(r.required("datacenter", "a name")).toBeUndefined();
    expect(r.required("subnetCidr", "a block")).toBeUndefined();
    expect(lines(r)).toEqual([
      'hashistack:datacenter: received ""; allowed: a name (required, no default)',
      "hashistack:subnetCidr: received (not set); allowed: a block (required, no default)",
    ]);
  });

  test("integer: whole numbers within the bounds; the lower bound stands in for a refused one", () => {
    const r = new ConfigReader({ a: "5", b: " 6 ", c: "5.0", d: "1e1", e: "11" });
    expect([r.integer("a", 1, 10), r.integer("b", 1, 10)]).toEqual([5, 6]);
    expect([
      r.integer("c", 1, 10),
      r.integer("d", 1, 10),
      r.integer("e", 1, 10, "1 to 10"),
    ]).toEqual([1, 1, 1]);
    expect(lines(r)).toEqual([
      'hashistack:c: received "5.0"; allowed: an integer from 1 to 10',
      'hashistack:d: received "1e1"; allowed: an integer from 1 to 10',
      'hashistack:e: received "11"; allowed: 1 to 10',
    ]);
  });

  test("flag: exactly true or false", () => {
    const r = new ConfigReader({ a: "true", b: "false", c: "True" });
    expect([r.flag("a"), r.flag("b"), r.flag("c")]).toEqual([true, false, false]);
    expect(lines(r)).toEqual(['hashistack:c: received "True"; allowed: true or false']);
  });

  test("fail shows the key's value; failWith shows exactly what it is given, undefined as (not set)", () => {
    const r = new ConfigReader({ clientCount: "7" });
    r.fail("clientCount", "a");
    r.fail("serverCount", "b");
    r.failWith("clientCount", "c", "the part refused");
    // Explicitly nothing received: never replaced by the key's value or its default.
    r.failWith("clientCount", "d", undefined);
    r.failWith("serverCount", "e", undefined);
    expect(lines(r)).toEqual([
      'hashistack:clientCount: received "7"; allowed: a',
      'hashistack:serverCount: received "3"; allowed: b',
      'hashistack:clientCount: received "the part refused"; allowed: c',
      "hashistack:clientCount: received (not set); allowed: d",
      "hashistack:serverCount: received (not set); allowed: e",
    ]);
  });

  test("clean: a problem with the key or one of its entries, earlier or here, spoils it", () => {
    const earlier: ConfigProblem[] = [
      { key: "hashistack:operatorCidrs[1]", received: '"x"', allowed: "y" },
    ];
    const r = new ConfigReader({}, earlier);
    expect(r.clean("operatorCidrs")).toBe(false);
    // A key that merely starts with the same letters is another key.
    expect(r.clean("operator", "operatorCidrsX")).toBe(true);
    r.fail("clientCount", "z");
    expect(r.clean("serverCount", "clientCount")).toBe(false);
    expect(r.clean("serverCount")).toBe(true);
  });
});
