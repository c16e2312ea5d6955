import { changedInputs, keyedDiff } from "../components/nomad/dynamicDiff";

describe("dynamic provider diff", () => {
  const olds = { address: "https://a:4646", caPem: "CA", vars: { a: "1", b: "2" }, jobId: "web" };

  test("unchanged inputs, declared outputs and key order are not changes", () => {
    // jobId is an output: undefined among the new inputs, so it never counts.
    expect(
      changedInputs(olds, {
        address: "https://a:4646",
        caPem: "CA",
        vars: { b: "2", a: "1" },
        jobId: undefined,
      }),
    ).toEqual([]);
  });

  test("every input counts, including one no hand-kept list would know about", () => {
    const news = { ...olds, vars: { a: "1", b: "3" }, addedLater: true, jobId: undefined };
    expect(changedInputs(olds, news)).toEqual(["addedLater", "vars"]);
  });

  test("the engine's internal keys (__provider, the serialized provider code) never count", () => {
    const news = { ...olds, __provider: "exports.handler = ... // v2", jobId: undefined };
    expect(changedInputs({ ...olds, __provider: "exports.handler = ... // v1" }, news)).toEqual([]);
    expect(
      keyedDiff({ ...olds, __provider: "v1" }, { ...olds, __provider: "v2" }, ["__provider"]),
    ).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  test("only the named keys replace, and replacement deletes first", () => {
    expect(keyedDiff(olds, { ...olds, caPem: "CA2", vars: { a: "9" } }, ["caPem"])).toEqual({
      changes: true,
      replaces: ["caPem"],
      deleteBeforeReplace: true,
    });
    expect(keyedDiff(olds, { ...olds }, ["caPem"])).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });
});
