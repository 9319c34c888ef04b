import type { Pool } from "pg";

/**
 * Runs `fn` holding a session advisory lock named `name` on a connection of its own, released
 * (and the connection returned) when `fn` settles. Unlike a write's transaction, `fn` may make
 * network calls: the lock, not a transaction, is what is held. Every process on the database
 * waits its turn; a process that dies releases its lock with its connection.
 */
export async function withAdvisoryLock<T>(pool: Pool, name: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let isBroken = false;
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [name]);
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [name]).catch(() => {
        // The connection is gone, and the lock with it: do not return it to the pool.
        isBroken = true;
      });
    }
  } catch (error) {
    isBroken ||= (error as { code?: string }).code?.startsWith("08") === true;
    throw error;
  } finally {
    client.release(isBroken);
  }
}
