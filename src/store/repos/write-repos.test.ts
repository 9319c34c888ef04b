import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";

/**
 * The repositories a `store.write` callback gets (PostgreSQL: made on first use, per
 * transaction; SQLite: the store's own set) behave like the store's: every repository is there,
 * for a spread copy too (tests wrap them so), and one repository is one object within a write.
 */
let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

describe("a write's repositories", () => {
  it("are all there, enumerable and spreadable, each the same object within the write", async () => {
    const storeKeys = Object.keys(store).filter(
      (k) => !["dialect", "db", "write", "ping", "close", "location"].includes(k),
    );
    await store.write(async (tx) => {
      expect(Object.keys(tx).sort()).toEqual(storeKeys.sort());
      expect(tx.inbox).toBe(tx.inbox);
      const copy = { ...tx };
      expect(Object.keys(copy).sort()).toEqual(storeKeys.sort());
      // The copy works inside the transaction like the original.
      await copy.inbox.ingest("ch_x", [], Date.now());
      expect(typeof copy.runs.saveStep).toBe("function");
    });
  });
});
