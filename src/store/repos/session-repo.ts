import { createHash } from "node:crypto";
import type { Executor } from "../db.js";

/**
 * Browser sign-in sessions (migration 12, src/server/session.ts). Rows hold the SHA-256 of the
 * session id, never the id: a leaked database hands out no live session. Every process on the
 * database reads the same rows, so a session works on each and signing out ends it on all.
 */
const hashOf = (sessionId: string) => createHash("sha256").update(sessionId).digest("base64url");

export function createSessionRepo(exec: Executor) {
  const { q } = exec;
  return {
    /** Stores a new session; also drops expired ones, so abandoned sessions do not pile up. */
    async create(sessionId: string, now: number, expiresAt: number): Promise<void> {
      await exec.run(q.deleteFrom("admin_sessions").where("expires_at", "<=", now));
      await exec.run(
        q
          .insertInto("admin_sessions")
          .values({ id_hash: hashOf(sessionId), created_at: now, expires_at: expiresAt }),
      );
    },
    /** The session's expiry when it exists and has not expired yet, else null. */
    async find(sessionId: string, now: number): Promise<{ expiresAt: number } | null> {
      const row = await exec.get(
        q
          .selectFrom("admin_sessions")
          .select("expires_at")
          .where("id_hash", "=", hashOf(sessionId))
          .where("expires_at", ">", now),
      );
      return row ? { expiresAt: Number(row.expires_at) } : null;
    },
    /** Ends a session (signing out); true when there was one. */
    async remove(sessionId: string): Promise<boolean> {
      const result = await exec.run(q.deleteFrom("admin_sessions").where("id_hash", "=", hashOf(sessionId)));
      return result.changes > 0;
    },
    /** Deletes expired sessions (the pruner); returns how many. */
    async pruneExpired(now: number): Promise<number> {
      return (await exec.run(q.deleteFrom("admin_sessions").where("expires_at", "<=", now))).changes;
    },
  };
}
