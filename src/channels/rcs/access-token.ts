import { createHash, createSign } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { fetchFailureReason } from "../../core/fetch.js";
import { callProvider, providerRefusal, redact } from "../provider-http.js";
import type { RcsConfig } from "./config.js";
import { RBM_SCOPE } from "./limits.js";

/**
 * OAuth 2.0 for a service account (RFC 7523 JWT bearer grant, as Google documents it): an
 * RS256-signed JWT `{iss: client_email, scope, aud: token_uri, iat, exp}` is posted to the token
 * URI as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>`; the answer is
 * `{access_token, expires_in, token_type}`.
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 * Signed with node:crypto: one RSA signature does not justify google-auth-library.
 * Tokens are cached per process until a minute before they expire, and concurrent sends share one
 * token request (single flight).
 */
const EARLY_REFRESH_MS = 60_000;
const ASSERTION_LIFETIME_S = 3600;

interface CachedToken {
  token: string;
  expiresAt: number;
}

const cache = new Map<string, CachedToken>();
const inFlight = new Map<string, Promise<CachedToken>>();

export function tokenUrlOf(config: RcsConfig): string {
  return config.tokenUrl ?? config.serviceAccountKey.token_uri;
}

function cacheKey(config: RcsConfig): string {
  const key = config.serviceAccountKey;
  return createHash("sha256")
    .update(`${key.client_email}\n${tokenUrlOf(config)}\n${key.private_key}`)
    .digest("hex");
}

/** The signed assertion (exported for tests and the simulator's checks). */
export function signAssertion(config: RcsConfig, nowMs: number): string {
  const key = config.serviceAccountKey;
  const iat = Math.floor(nowMs / 1000);
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = segment({
    alg: "RS256",
    typ: "JWT",
    ...(key.private_key_id ? { kid: key.private_key_id } : {}),
  });
  const claims = segment({
    iss: key.client_email,
    scope: RBM_SCOPE,
    // Google checks aud against its own token URI even when the request goes through a proxy
    // (`tokenUrl`): the key file's token_uri, never the override.
    aud: key.token_uri,
    iat,
    exp: iat + ASSERTION_LIFETIME_S,
  });
  const signature = createSign("RSA-SHA256")
    .update(`${header}.${claims}`)
    .sign(key.private_key)
    .toString("base64url");
  return `${header}.${claims}.${signature}`;
}

/** A valid access token for the agent's service account, from the cache or a new grant. */
export async function accessToken(
  config: RcsConfig,
  deps: { fetch: FetchLike; now?: () => number },
): Promise<string> {
  const now = deps.now ?? Date.now;
  const key = cacheKey(config);
  const cached = cache.get(key);
  if (cached && cached.expiresAt - EARLY_REFRESH_MS > now()) return cached.token;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = requestToken(config, deps.fetch, now).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const fresh = await pending;
  cache.set(key, fresh);
  return fresh.token;
}

/** Forgets the cached token (the API answered 401: revoked or expired early). */
export function forgetAccessToken(config: RcsConfig): void {
  cache.delete(cacheKey(config));
}

async function requestToken(config: RcsConfig, fetch: FetchLike, now: () => number): Promise<CachedToken> {
  const assertion = signAssertion(config, now());
  const call = {
    provider: "Google OAuth",
    fetch,
    url: tokenUrlOf(config),
    init: {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion,
      }).toString(),
    },
    secrets: [assertion, config.serviceAccountKey.private_key, config.clientToken],
  };
  let answer: Awaited<ReturnType<typeof callProvider>>;
  try {
    answer = await callProvider(call);
  } catch (error) {
    // Whatever happened to the token request, the message itself was not sent.
    if (error instanceof AppError) {
      const reason = redact(fetchFailureReason(error.cause ?? error), call.secrets);
      throw new AppError(
        "CHANNEL_SEND_FAILED",
        `Could not get an access token from ${originOf(call.url)} (${reason}); the message was not sent.`,
        {
          retry: "default",
          cause: error,
          details: { outcome: "not_sent" },
        },
      );
    }
    throw error;
  }
  const json = answer.json as
    | { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
    | undefined;
  if (answer.status === 200 && typeof json?.access_token === "string" && json.access_token !== "") {
    const seconds = typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : 3600;
    return { token: json.access_token, expiresAt: now() + seconds * 1000 };
  }
  const reason = [json?.error, json?.error_description].filter((v) => typeof v === "string").join(": ");
  // invalid_grant / invalid_client: the key is wrong, revoked, or the clock is off. Not retried.
  const isCredentials = answer.status === 400 || answer.status === 401;
  return Promise.reject(
    providerRefusal(
      call,
      answer,
      `${reason || "no access token"}${isCredentials ? ". Check serviceAccountKey (a current JSON key of the agent's service account) and the server clock" : ""}`,
      { details: { outcome: "not_sent" } },
    ),
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the token URL";
  }
}
