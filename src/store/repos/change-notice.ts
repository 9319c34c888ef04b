import { sql } from "kysely";
import type { Executor } from "../db.js";

/** What other processes LISTEN on for changes to channels and connections (services/integrations.ts). */
export const INTEGRATIONS_CHANGED = "tern_integrations_changed";

/**
 * Inside a `store.write` that changes a channel or connection: PostgreSQL delivers the NOTIFY to
 * every listening process when the transaction commits (none if it rolls back), so their cached
 * copies are dropped at once instead of at their next look. SQLite has one process: nothing to do.
 */
export async function noticeIntegrationsChanged(exec: Executor): Promise<void> {
  if (exec.dialect !== "postgres") return;
  await exec.get({
    compile: () => sql`SELECT pg_notify(${INTEGRATIONS_CHANGED}, '')`.compile(exec.q),
  });
}
