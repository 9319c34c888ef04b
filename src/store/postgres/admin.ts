import pg from "pg";

/**
 * Creating and dropping whole databases: for the test harness (a fresh database per test) and
 * the bench. Runs on a maintenance connection to some other database of the same server.
 * Names are checked, not quoted: only `[a-z0-9_]` reaches the SQL.
 */
export interface PostgresAdmin {
  /** Databases whose name starts with `prefix`, with their comment. */
  list(prefix: string): Promise<Array<{ name: string; comment: string | null }>>;
  exists(name: string): Promise<boolean>;
  /** `CREATE DATABASE`, copied from `template` (default template0: empty). */
  create(name: string, options?: { template?: string; comment?: string }): Promise<void>;
  /** Drops it, disconnecting whoever is still connected. Absent is fine. */
  drop(name: string): Promise<void>;
  /** Renames it and makes it a read-only source for copies (no one can connect to it). */
  seal(name: string, newName: string, comment: string): Promise<void>;
  /** Runs `fn` holding a server-wide advisory lock (per maintenance database) named by `key`. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function ident(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a database name this tool creates: ${JSON.stringify(name)}`);
  return name;
}

/** `url` with its database replaced by `name`. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${ident(name)}`;
  return u.toString();
}

export async function connectAdmin(url: string): Promise<PostgresAdmin> {
  const client = new pg.Client({ connectionString: url, application_name: "tern-admin" });
  // A broken maintenance connection fails the call in flight; it must not end the process.
  client.on("error", () => {});
  await client.connect();
  const literal = (text: string) => client.escapeLiteral(text);
  return {
    async list(prefix) {
      const { rows } = await client.query<{ name: string; comment: string | null }>(
        `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment
           FROM pg_database WHERE starts_with(datname, $1)`,
        [prefix],
      );
      return rows;
    },
    async exists(name) {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      return (rowCount ?? 0) > 0;
    },
    async create(name, options = {}) {
      await client.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(options.template ?? "template0")}`);
      if (options.comment !== undefined) {
        await client.query(`COMMENT ON DATABASE ${ident(name)} IS ${literal(options.comment)}`);
      }
    },
    async drop(name) {
      await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    },
    async seal(name, newName, comment) {
      await client.query(`ALTER DATABASE ${ident(name)} RENAME TO ${ident(newName)}`);
      await client.query(`ALTER DATABASE ${ident(newName)} ALLOW_CONNECTIONS false`);
      await client.query(`COMMENT ON DATABASE ${ident(newName)} IS ${literal(comment)}`);
    },
    async withLock(key, fn) {
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [key]);
      try {
        return await fn();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]);
      }
    },
    close: () => client.end(),
  };
}
