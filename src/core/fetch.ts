/** The subset of WHATWG fetch Tern uses; injected so adapters stay testable. */
export type FetchLike = (input: string | URL, init?: FetchInit) => Promise<Response>;

/**
 * RequestInit plus two limits that `createHttpFetch` honours (other implementations may ignore
 * them): a total time limit, and a cap on the response body.
 */
export interface FetchInit extends RequestInit {
  /** Abort after this long. Default (createHttpFetch): 30 s when no `signal` is passed. */
  timeoutMs?: number;
  /** Abort once the response body is larger than this. Default (createHttpFetch): 8 MiB. */
  maxResponseBytes?: number;
}

/**
 * A rejected request. `isRequestSent` says whether any of it may have reached the far side:
 * false only when it certainly did not (no connection, DNS or TLS failure before a byte of the
 * request was written).
 */
export class FetchError extends TypeError {
  readonly isRequestSent: boolean;
  readonly reason: "network" | "timeout" | "too_large" | "aborted";

  constructor(
    message: string,
    options: { cause?: unknown; isRequestSent: boolean; reason: FetchError["reason"] },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FetchError";
    this.isRequestSent = options.isRequestSent;
    this.reason = options.reason;
  }
}

/** Socket errors that happen before a request is written (fetch implementations other than ours). */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/**
 * Whether a rejected fetch may have delivered the request: "not_sent" when it certainly did not,
 * else "unknown" (a timeout, or a reset after the request was written — the far side may have
 * acted on it). Unrecognised failures count as unknown: assuming "not sent" is what duplicates.
 */
export function requestOutcome(error: unknown): "not_sent" | "unknown" {
  if (error instanceof FetchError) return error.isRequestSent ? "unknown" : "not_sent";
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT_CODES.has(code)) return "not_sent";
  }
  return "unknown";
}

/** The most specific message of a failed request (the socket error inside "fetch failed"). */
export function fetchFailureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof FetchError) return error.message;
  return error.cause instanceof Error ? error.cause.message : error.message;
}
