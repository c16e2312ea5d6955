/**
 * The deterministic serializer (components/config/stableJson.ts) behind the agent configs,
 * ACL policies and config entries: the same object always renders to the same bytes.
 */
import { stableJson } from "../components/config/stableJson";

describe("stableJson", () => {
  test("sorts keys at every level, keeps array order, indents by two and ends with a newline", () => {
    const value = { b: [{ z: 1, a: null }, "x"], a: { d: true, c: "s" } };
    expect(stableJson(value)).toBe(
      '{\n  "a": {\n    "c": "s",\n    "d": true\n  },\n  "b": [\n    {\n      "a": null,\n      "z": 1\n    },\n    "x"\n  ]\n}\n',
    );
  });

  test("the order keys were written in does not matter", () => {
    expect(stableJson({ y: { q: 1, p: 2 }, x: 0 })).toBe(stableJson({ x: 0, y: { p: 2, q: 1 } }));
  });

  test("undefined members are left out, as JSON.stringify does", () => {
    expect(stableJson({ a: undefined, b: 1 })).toBe('{\n  "b": 1\n}\n');
  });
});
