/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
  // Program runs under the mock runtime are CPU-bound; two cores on CI.
  maxWorkers: 2,
  // Test names in the log: the acceptance suite states why it was skipped in its name.
  verbose: true,
};
