import { createHash } from "node:crypto";
import type { SecretBox } from "../../core/secrets.js";
import type { Executor } from "../db.js";

/**
 * Pending OAuth authorize requests (migration 7). Looked up by the hash of `state`, so a leaked
 * database does not hand out live states; `take` deletes the row it returns, so a state works
 * once even when two callbacks race (the second finds nothing).
 */
export interface OAuthState {
  connectionId: string;
  redirectUri: string;
  codeVerifier: string;
  expiresAt: number;
}

const hashOf = (state: string) => createHash("sha256").update(state).digest("base64url");

export function createOAuthStateRepo(exec: Executor, box: SecretBox) {
  const { q } = exec;
  return {
    /** Inside `store.write`. Also drops expired rows, so abandoned connects do not pile up. */
    async insert(state: string, value: OAuthState, now: number): Promise<void> {
      await exec.run(q.deleteFrom("oauth_states").where("expires_at", "<", now));
      await exec.run(
        q.insertInto("oauth_states").values({
          state_hash: hashOf(state),
          connection_id: value.connectionId,
          redirect_uri: value.redirectUri,
          verifier_sealed: box.seal(value.codeVerifier),
          created_at: now,
          expires_at: value.expiresAt,
        }),
      );
    },
    /** Inside `store.write`: removes and returns the state's row (expired or not), or null. */
    async take(state: string): Promise<OAuthState | null> {
      const row = await exec.get(
        q.deleteFrom("oauth_states").where("state_hash", "=", hashOf(state)).returningAll(),
      );
      if (!row) return null;
      return {
        connectionId: row.connection_id,
        redirectUri: row.redirect_uri,
        codeVerifier: box.open(row.verifier_sealed),
        expiresAt: Number(row.expires_at),
      };
    },
    /** Inside `store.write`: a connection's pending connects (it was deleted or disconnected). */
    async removeFor(connectionId: string): Promise<void> {
      await exec.run(q.deleteFrom("oauth_states").where("connection_id", "=", connectionId));
    },
  };
}
