import type pg from "pg";

/**
 * Whether PostgreSQL vacuums Tern's tables on its own. Every message updates or deletes rows of
 * the job queue, the conversation turns, runs, inbox and messages: without autovacuum their dead
 * rows grow with every message (a soak on a server with `autovacuum = off`: 121 MB an hour, the
 * empty job table's scans 30× the pages), and nothing says why. Tern cannot turn it on (a server
 * setting), so it says so at start.
 */
export interface AutovacuumState {
  /** The server's `autovacuum` setting is on. */
  serverOn: boolean;
  /** Tern's tables (its schema and graphile_worker's) with `autovacuum_enabled = false`. */
  tablesOff: string[];
}

export async function autovacuumState(pool: pg.Pool): Promise<AutovacuumState> {
  const server = await pool.query<{ on: boolean }>("SELECT current_setting('autovacuum') = 'on' AS on");
  const tables = await pool.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN (current_schema(), 'graphile_worker')
        AND EXISTS (SELECT 1 FROM unnest(c.reloptions) o
                     WHERE lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off',
                                        'autovacuum_enabled=0', 'autovacuum_enabled=no'))
      ORDER BY 1`,
  );
  return { serverOn: server.rows[0]?.on === true, tablesOff: tables.rows.map((r) => r.name) };
}

/** The warning to log, or null when PostgreSQL vacuums every table Tern writes. */
export function autovacuumWarning(state: AutovacuumState): string | null {
  const fix =
    "their dead rows then grow with every message and their scans slow down. Turn it on, or VACUUM them on a schedule (docs/deployment.md, PostgreSQL)";
  if (!state.serverOn)
    return `PostgreSQL's autovacuum is off on this server (autovacuum = off): nothing vacuums Tern's tables; ${fix}`;
  if (state.tablesOff.length > 0)
    return `autovacuum is off for ${state.tablesOff.join(", ")} (autovacuum_enabled = false): ${fix}`;
  return null;
}
