import type { Executor } from "../db.js";

/**
 * Inside a PostgreSQL `write`: locks these contacts' rows until the transaction ends, always in id
 * order (two merges naming the same pair the other way round must not deadlock). A merge and an
 * erasure of one person take it first, so one of them runs after the other has committed,
 * instead of an erasure deleting the merge's target between its reads and its writes. SQLite's
 * single writer already orders them: nothing to do there. Returns the ids still there.
 */
export async function lockContacts(exec: Executor, ids: readonly string[]): Promise<string[]> {
  if (exec.dialect !== "postgres" || ids.length === 0) return [...ids];
  const { q } = exec;
  const rows = await exec.all(
    q
      .selectFrom("contacts")
      .select("id")
      .where("id", "in", [...new Set(ids)].sort())
      .orderBy("id")
      .forUpdate(),
  );
  // The ids still there once locked: one deleted meanwhile (an erasure that held the lock) is not.
  return rows.map((row) => row.id);
}
