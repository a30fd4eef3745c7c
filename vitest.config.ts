import { defineConfig } from "vitest/config";

/**
 * Three projects:
 * - unit: pure code, no I/O beyond the process (`*.test.ts` under packages/ and functions/)
 * - integration: real DynamoDB Local, fauxqs and the WeCom simulator, started once per run by
 *   test/support/global-setup.ts (`*.int.test.ts`, and e2e scenarios under test/e2e)
 * - infra: CDK synth assertions and cdk-nag (`infra/test/*.test.ts`)
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "functions/*/test/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.int.test.ts", "functions/*/test/**/*.int.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["infra/test/**/*.test.ts"],
          environment: "node",
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
