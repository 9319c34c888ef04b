import { sql } from "kysely";
import type { Executor } from "../db.js";

/**
 * Inside a `store.write`: holds an advisory lock named `key` until the transaction ends, so a
 * second transaction taking it waits for the first's commit (PostgreSQL runs writes in concurrent
 * READ COMMITTED transactions). SQLite runs one write callback at a time (write-batcher.ts):
 * nothing to do there.
 */
export async function lockForTransaction(exec: Executor, key: string): Promise<void> {
  if (exec.dialect !== "postgres") return;
  await exec.get({
    compile: () => sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.compile(exec.q),
  });
}
