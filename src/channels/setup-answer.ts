import type { SetupReport } from "./channel.js";
import type { ProviderAnswer } from "./provider-http.js";

/**
 * A 200 answer to a setup lookup that is not the provider's JSON (a proxy's login page, a wrong
 * apiBaseUrl): reported as unreadable, never as "not found", which would send the operator
 * checking credentials that may be right. The body is not quoted: a proxy page may be large.
 */
export function unreadableLookup(
  provider: string,
  what: string,
  answer: Pick<ProviderAnswer, "status" | "headers">,
): SetupReport {
  const contentType = answer.headers.get("content-type")?.split(";")[0]?.trim() || "no content type";
  return {
    ok: false,
    message: `${provider} answered ${what} with HTTP ${answer.status} (${contentType}), which could not be read as ${provider}'s JSON; nothing was changed. Something other than ${provider} may be answering (a proxy, or a wrong apiBaseUrl): check it, then run setup again (POST /api/v1/channels/:id/setup).`,
    details: { httpStatus: answer.status, contentType },
  };
}
