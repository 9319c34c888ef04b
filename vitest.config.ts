import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Two projects, one `npm test`: everything on SQLite (the embedded default), then the suites
 * whose behaviour must hold on both dialects again on PostgreSQL (TERN_TEST_DIALECT, read by
 * test/helpers/dialect.ts; each test gets a database of its own, test/helpers/postgres.ts).
 * Tests of one dialect's internals (file permissions, WAL, vacuum, key rotation) skip
 * themselves on the other, visibly. `vitest run --project postgres` runs one project.
 */
const onBothDialects = [
  "test/e2e/**/*.test.ts",
  // Every channel end to end (signed webhooks in, the provider's send API out) and hostile input.
  "test/channels/*.e2e.test.ts",
  "test/channels/hostile-webhooks.test.ts",
  "test/channels/sandbox-any-channel.test.ts",
  "test/fuzz/public-routes.test.ts",
  "test/fuzz/admin-routes.test.ts",
  "src/store/repos/*.test.ts",
  "src/store/pruner.test.ts",
  "src/queue/*.test.ts",
  "src/flows/engine*.test.ts",
  "src/services/integrations.test.ts",
  "src/services/flow-service.test.ts",
  "src/services/publish-connection-race.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Vitest's default (cores - 1) runs one file at a time on a 2-core machine; most files wait on
    // loopback HTTP, child processes and timers, so two at a time takes the suite there from ~19 to
    // ~14 minutes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker keeps the modules it imported for its next file. Collecting a file (importing Tern's
    // modules through Vite) took ~3 s and its tests often less, so isolation per file cost most of
    // the suite: ~16 min with it, ~10 without, on the 2-core machine. Tests therefore leave no
    // global state behind: servers and databases closed, environment variables restored.
    isolate: false,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.ts"],
          // Burst grouping holds an answer for its window (2 s by default): tests that spawn a
          // server answer at once unless they set a window themselves.
          env: { TERN_TEST_DIALECT: "sqlite", TERN_BURST_WINDOW_MS: "0" },
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: onBothDialects,
          env: { TERN_TEST_DIALECT: "postgres", TERN_BURST_WINDOW_MS: "0" },
        },
      },
    ],
  },
});
