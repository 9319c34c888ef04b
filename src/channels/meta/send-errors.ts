import type { AppError, RetryHint } from "../../core/app-error.js";
import { type ProviderAnswer, type ProviderCall, providerRefusal, retryAfterMs } from "../provider-http.js";

/** Graph API error envelope: https://developers.facebook.com/docs/graph-api/guides/error-handling */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
}

interface Advice {
  what: string;
  retry: RetryHint;
  /** An app or page limit, not one person's: every send on the channel waits (queue/send-pacer.ts). */
  throttlesChannel?: boolean;
  /** The channel cannot reach this person now (the window closed, they left): a fallback may. */
  undeliverable?: boolean;
}

/**
 * Subcodes of code 10 that mean "sent outside the allowed window": Messenger 2018278
 * (https://developers.facebook.com/docs/messenger-platform/error-codes); Instagram 2534022.
 */
const OUTSIDE_WINDOW = new Set([2018278, 2534022]);

/**
 * What to do about the Send API errors a flow can hit (Messenger Platform common error codes:
 * https://developers.facebook.com/docs/messenger-platform/error-codes). `product` names the
 * channel, `tokenHint` where a new token comes from.
 */
function adviceFor(error: GraphError, product: string, tokenHint: string): Advice | undefined {
  const { code, error_subcode: subcode } = error;
  if (code === 10 && subcode !== undefined && OUTSIDE_WINDOW.has(subcode)) {
    return {
      what: `The customer's last message is more than 24 hours old, so ${product} refuses a standard reply. Wait for the customer to write again; a human agent can answer within 7 days with the HUMAN_AGENT message tag (docs/channels).`,
      retry: "never",
      undeliverable: true,
    };
  }
  switch (code) {
    case 190:
      return { what: `The ${product} access token is invalid or expired. ${tokenHint}`, retry: "never" };
    case 10:
    case 200:
    case 230:
    case 3:
      return {
        what: `The access token lacks the permission to message this customer. ${tokenHint}`,
        retry: "never",
      };
    case 551:
      return {
        what: "This person isn't available right now (blocked the account or left).",
        retry: "never",
        undeliverable: true,
      };
    case 100:
      return subcode === 2018001
        ? { what: `No ${product} user matches this recipient id.`, retry: "never", undeliverable: true }
        : { what: `${product} refused a parameter of the message.`, retry: "never" };
    case 368:
      return { what: `The account is temporarily blocked by ${product} for policy reasons.`, retry: "never" };
    case 4:
    case 32:
    case 613:
      return {
        what: `${product} API rate limit reached.`,
        retry: { afterMs: 60_000 },
        throttlesChannel: true,
      };
    case 1:
    case 2:
    case 1200:
      return { what: `${product} had a temporary failure.`, retry: "default" };
    default:
      return undefined;
  }
}

/** Maps a non-2xx Send API answer to CHANNEL_SEND_FAILED with advice and a retry hint. */
export function sendApiRefusal(
  call: Pick<ProviderCall, "provider" | "secrets">,
  answer: ProviderAnswer,
  tokenHint: string,
): AppError {
  const error = graphErrorOf(answer.json);
  const advice = error ? adviceFor(error, call.provider, tokenHint) : undefined;
  const after = retryAfterMs(answer.headers);
  const retry: RetryHint | undefined =
    advice && advice.retry !== "never" && after !== undefined ? { afterMs: after } : advice?.retry;
  const graphText = error
    ? `Graph error ${error.code ?? "?"}${error.error_subcode !== undefined ? `/${error.error_subcode}` : ""}${error.message ? `: ${error.message}` : ""}`
    : undefined;
  const detail = [advice?.what, graphText].filter(Boolean).join(" ");
  return providerRefusal(call, answer, detail || undefined, {
    ...(retry !== undefined ? { retry } : {}),
    details: {
      ...(error?.code !== undefined ? { graphCode: error.code } : {}),
      ...(error?.error_subcode !== undefined ? { graphSubcode: error.error_subcode } : {}),
      ...(error?.fbtrace_id ? { fbtraceId: error.fbtrace_id } : {}),
      ...(advice?.throttlesChannel ? { channelThrottled: true } : {}),
      ...(advice?.undeliverable ? { undeliverable: true } : {}),
    },
  });
}

function graphErrorOf(json: unknown): GraphError | undefined {
  if (!json || typeof json !== "object" || !("error" in json)) return undefined;
  const error = json.error;
  if (!error || typeof error !== "object") return undefined;
  const e = error as Record<string, unknown>;
  return {
    ...(typeof e.message === "string" ? { message: e.message.slice(0, 500) } : {}),
    ...(typeof e.type === "string" ? { type: e.type } : {}),
    ...(typeof e.code === "number" ? { code: e.code } : {}),
    ...(typeof e.error_subcode === "number" ? { error_subcode: e.error_subcode } : {}),
    ...(typeof e.fbtrace_id === "string" ? { fbtrace_id: e.fbtrace_id } : {}),
  };
}
