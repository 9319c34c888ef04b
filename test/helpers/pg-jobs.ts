import type pg from "pg";
import { afterEach, beforeEach } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { createJobTasks } from "../../src/queue/job-tasks.js";
import type { Store } from "../../src/store/store.js";
import { testPool } from "./postgres.js";
import { openTestStore, type TestStore } from "./test-store.js";

/**
 * Around each test: a PostgreSQL test store, and a pool of its own on the same database to look
 * at (or tamper with) graphile-worker's tables as a worker or an operator would.
 */
export function usePostgresStoreAndPool(): { readonly store: TestStore; readonly pool: pg.Pool } {
  const ctx = {} as { store: TestStore; pool: pg.Pool };
  beforeEach(async () => {
    ctx.store = await openTestStore();
    const { location } = ctx.store;
    // testPool: an idle client cut off as the database is dropped must not be an uncaught error.
    ctx.pool = testPool(location.dialect === "postgres" ? location.url : "", 10);
  });
  afterEach(async () => {
    await ctx.pool.end();
    await ctx.store.close();
  });
  return ctx;
}

/** The job engine's tasks over `store`, for tests of what they enqueue: nothing may advance or process. */
export function enqueueOnlyJobTasks(store: Store, clock: Clock) {
  return createJobTasks({
    store,
    clock,
    advanceOrFail: async () => {
      throw new Error("no run advances in this test");
    },
    processItem: async () => {
      throw new Error("no message is processed in this test");
    },
  });
}
