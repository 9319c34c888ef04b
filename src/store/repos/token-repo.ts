import type { StoredToken, TokenStore } from "../../connectors/connector.js";
import type { SecretBox } from "../../core/secrets.js";
import type { Db, Executor } from "../db.js";

/**
 * OAuth tokens per connection, sealed at rest; implements the connectors' TokenStore. `set` is
 * called from a connector between network calls, so it opens its own write on `db`.
 */
export function createTokenRepo(
  exec: Executor,
  box: SecretBox,
  db: Db,
): TokenStore & {
  clear(connectionId: string): Promise<void>;
  put(connectionId: string, token: StoredToken): Promise<void>;
} {
  const { q } = exec;
  const exclusive = db.exclusive?.bind(db);
  const get = async (connectionId: string): Promise<StoredToken | null> => {
    const row = await exec.get(
      q.selectFrom("connection_tokens").select("token_sealed").where("connection_id", "=", connectionId),
    );
    return row ? (JSON.parse(box.open(row.token_sealed)) as StoredToken) : null;
  };
  return {
    // Several processes (PostgreSQL): one refresh at a time per connection, and the ones that
    // waited see the token it stored (connectors/connector.ts TokenStore).
    ...(exclusive
      ? {
          refreshExclusively: (
            connectionId: string,
            refresh: (stored: StoredToken | null) => Promise<StoredToken>,
          ) => exclusive(`tern.token:${connectionId}`, async () => refresh(await get(connectionId))),
        }
      : {}),
    /** Inside `store.write`: forget cached tokens (the connection's credentials changed). */
    async clear(connectionId) {
      await exec.run(q.deleteFrom("connection_tokens").where("connection_id", "=", connectionId));
    },
    get,
    /** Inside `store.write`: stores a token in the caller's transaction (the OAuth callback). */
    async put(connectionId, token) {
      const sealed = box.seal(JSON.stringify(token));
      const now = Date.now();
      await exec.run(
        q
          .insertInto("connection_tokens")
          .values({ connection_id: connectionId, token_sealed: sealed, updated_at: now })
          .onConflict((oc) =>
            oc.column("connection_id").doUpdateSet({ token_sealed: sealed, updated_at: now }),
          ),
      );
    },
    async set(connectionId, token) {
      const sealed = box.seal(JSON.stringify(token));
      const now = Date.now();
      await db.write((tx) =>
        tx.run(
          tx.q
            .insertInto("connection_tokens")
            .values({ connection_id: connectionId, token_sealed: sealed, updated_at: now })
            .onConflict((oc) =>
              oc.column("connection_id").doUpdateSet({ token_sealed: sealed, updated_at: now }),
            ),
        ),
      );
    },
  };
}
