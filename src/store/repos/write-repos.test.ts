import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Repos, Store } from "../store.js";

/**
 * The repositories a `store.write` callback gets (PostgreSQL: made on first use, per
 * transaction; SQLite: the store's own set) behave like the store's: every repository is there,
 * one repository is one object within a write, and a set wrapped with `Object.create` (as tests
 * do to make one method fail) works inside the transaction like the original.
 */
let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

describe("a write's repositories", () => {
  it("are all there, each the same object within the write, and work through a wrapping set", async () => {
    const storeKeys = Object.keys(store).filter(
      (k) => !["dialect", "db", "write", "ping", "close", "location"].includes(k),
    );
    await store.write(async (tx) => {
      const enumerated: string[] = [];
      for (const key in tx) enumerated.push(key);
      expect(enumerated.sort()).toEqual(storeKeys.sort());
      for (const key of storeKeys) expect(typeof tx[key as keyof Repos]).toBe("object");
      expect(tx.inbox).toBe(tx.inbox);
      const wrapped = Object.create(tx) as Repos;
      expect(wrapped.inbox).toBe(tx.inbox);
      // The wrapper works inside the transaction like the original.
      await wrapped.inbox.ingest("ch_x", [], Date.now());
      expect(typeof wrapped.runs.saveStep).toBe("function");
    });
  });
});
