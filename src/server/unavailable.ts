/**
 * The one answer for "not now, send it again": the database is unavailable or Tern is stopping,
 * and nothing was changed. Webhooks (raw responses), API routes and the sandbox route answer it.
 */
export const UNAVAILABLE_STATUS = 503;
/** Seconds, for Retry-After: long enough for a failover to show, short enough to go on soon after. */
export const UNAVAILABLE_RETRY_AFTER = "5";

export function unavailableBody(message: string): { error: { code: "UNAVAILABLE"; message: string } } {
  return { error: { code: "UNAVAILABLE", message } };
}
