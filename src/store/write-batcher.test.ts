import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Executor } from "./db.js";
import { openSqlite, type SqliteDb } from "./sqlite.js";

/**
 * A write that fills the disk in a batch shared with others (writes requested in one event-loop
 * turn: a webhook's and the worker's). SQLite rolls the whole transaction back on SQLITE_FULL, so
 * the batch's ROLLBACK TO found no savepoint, and every write of the batch was rejected with
 * "no such savepoint" (a webhook then answered 500, not the 503 a provider retries).
 */
describe("a batch in which one write fills the disk", () => {
  let dir: string;
  let store: SqliteDb;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-batch-full-"));
    store = openSqlite({ path: path.join(dir, "tern.db") });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertContact = (exec: Executor, id: string, name: string) =>
    exec.run(exec.q.insertInto("contacts").values({ id, phone: null, name, created_at: 1, updated_at: 1 }));
  const ids = async () => (await store.all(store.q.selectFrom("contacts").select("id"))).map((r) => r.id);

  it("rejects every write of the batch with SQLITE_FULL and commits nothing of it; the next write commits", async () => {
    await store.write((tx) => insertContact(tx, "before", "Ada"));
    store.raw.pragma(`max_page_count = ${Number(store.raw.pragma("page_count", { simple: true }))}`);
    const small = store.write((tx) => insertContact(tx, "small", "Grace"), { durable: false });
    const large = store.write((tx) => insertContact(tx, "large", "x".repeat(200_000)));
    const outcomes = await Promise.allSettled([small, large]);
    expect(outcomes.map((o) => o.status === "rejected" && (o.reason as { code?: string }).code)).toEqual([
      "SQLITE_FULL",
      "SQLITE_FULL",
    ]);
    expect(await ids()).toEqual(["before"]);
    store.raw.pragma("max_page_count = 1073741823");
    await store.write((tx) => insertContact(tx, "after", "Linus"));
    expect((await ids()).sort()).toEqual(["after", "before"]);
  });
});
