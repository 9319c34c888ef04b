import type { StoredToken, TokenStore } from "../../connectors/connector.js";
import type { SecretBox } from "../../core/secrets.js";
import type { SqliteStore } from "../sqlite.js";

/** OAuth tokens per connection, sealed at rest; implements the connectors' TokenStore. */
export function createTokenRepo(
  store: SqliteStore,
  box: SecretBox,
): TokenStore & { clear(connectionId: string): void } {
  const { q } = store;
  return {
    /** Inside `store.write`: forget cached tokens (the connection's credentials changed). */
    clear(connectionId) {
      store.run(q.deleteFrom("connection_tokens").where("connection_id", "=", connectionId));
    },
    async get(connectionId) {
      const row = store.get(
        q.selectFrom("connection_tokens").select("token_sealed").where("connection_id", "=", connectionId),
      );
      return row ? (JSON.parse(box.open(row.token_sealed)) as StoredToken) : null;
    },
    async set(connectionId, token) {
      const sealed = box.seal(JSON.stringify(token));
      await store.write(() =>
        store.run(
          q
            .insertInto("connection_tokens")
            .values({ connection_id: connectionId, token_sealed: sealed, updated_at: Date.now() })
            .onConflict((oc) =>
              oc.column("connection_id").doUpdateSet({ token_sealed: sealed, updated_at: Date.now() }),
            ),
        ),
      );
    },
  };
}
