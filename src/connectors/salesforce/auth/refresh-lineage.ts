import { createHash } from "node:crypto";
import type { StoredToken } from "../../connector.js";

/**
 * Which refresh token to send. With rotation on, the config's refresh token (pasted, or from the
 * last browser connect) is rotated out by its first refresh: the live one is the stored token's,
 * and sending the config's again makes Salesforce revoke the whole family (reference §5). So the
 * stored one wins, and once it is refused nothing else is tried: the config's is dead or, worse,
 * a theft signal.
 *
 * Except when the stored one is not of the config's family: a refresh that was already in flight
 * when a reconnect (or a PATCH of the refresh token) committed stores its rotated token over the
 * one the reconnect wrote. Its family is the old grant's, the config's is newer and never used.
 * Each rotated token therefore records a fingerprint of the config token it descends from, and
 * one from another family is passed over for the config's — before sending anything, rather than
 * by resending the config's after a refusal (which, within one family, revoked it). A rotated
 * token whose write failed (session.ts retries it) is no case for the config's either: the same
 * refresh rotated that one out.
 */
export function refreshLineage(configured: string): string {
  return createHash("sha256").update(configured).digest("base64url").slice(0, 22);
}

/** The refresh token to send for `configured`, given the latest token this connection holds. */
export function liveRefreshToken(
  latest: StoredToken | null | undefined,
  configured: string | undefined,
): string | undefined {
  const rotated = latest?.refreshToken;
  if (!rotated) return configured;
  // Stored before tokens named their family: it follows the config's, as stores are cleared
  // whenever the refresh token in the config changes (integration-admin.ts, oauth-connect.ts).
  if (latest.rotatedFrom === undefined) return rotated;
  return configured !== undefined && latest.rotatedFrom === refreshLineage(configured) ? rotated : configured;
}
