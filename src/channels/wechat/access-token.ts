import { createHash } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { callProvider, providerRefusal } from "../provider-http.js";
import type { WeChatConfig } from "./config.js";
import { adviceFor, errorOf } from "./errors.js";

/**
 * Access tokens for the customer-service API, from the stable-token endpoint
 * (`POST /cgi-bin/stable_token`, force_refresh false): repeated calls while a token is valid
 * return that same token, and it is isolated from tokens other tools get from `/cgi-bin/token`,
 * so several Tern processes — or Tern next to another integration — do not invalidate each
 * other's tokens. Cached in memory per app until 5 minutes before `expires_in` (WeChat itself
 * renews 5 minutes early), shared by concurrent sends (one fetch in flight per app).
 * https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
 */
interface Cached {
  token: string;
  expiresAt: number;
}

const RENEW_EARLY_MS = 5 * 60_000;

export interface AccessTokens {
  get(config: WeChatConfig, fetch: FetchLike): Promise<string>;
  /** Drops `token` if it is still the cached one (WeChat refused it: 40001/42001). */
  invalidate(config: WeChatConfig, token: string): void;
}

export function createAccessTokens(now: () => number = Date.now): AccessTokens {
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<Cached>>();
  const keyOf = (config: WeChatConfig) =>
    `${config.apiBaseUrl}\n${config.appId}\n${createHash("sha256").update(config.appSecret).digest("hex")}`;

  return {
    async get(config, fetch) {
      const key = keyOf(config);
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now()) return cached.token;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = fetchToken(config, fetch, now).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const fresh = await pending;
      cache.set(key, fresh);
      return fresh.token;
    },
    invalidate(config, token) {
      const key = keyOf(config);
      if (cache.get(key)?.token === token) cache.delete(key);
    },
  };
}

/** The process-wide cache the adapter uses. */
export const accessTokens = createAccessTokens();

export function stableTokenUrl(config: WeChatConfig): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/cgi-bin/stable_token`;
}

async function fetchToken(config: WeChatConfig, fetch: FetchLike, now: () => number): Promise<Cached> {
  const call = {
    provider: "WeChat",
    fetch,
    url: stableTokenUrl(config),
    init: {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: config.appId,
        secret: config.appSecret,
        force_refresh: false,
      }),
    },
    secrets: [config.appSecret],
  };
  let answer: Awaited<ReturnType<typeof callProvider>>;
  try {
    answer = await callProvider(call);
  } catch (error) {
    throw notSent(error);
  }
  const error = errorOf(answer.json);
  if (answer.status !== 200 || error) {
    const advice = error ? adviceFor(error.errcode) : undefined;
    throw notSent(
      providerRefusal(
        call,
        answer,
        error
          ? `access token: ${advice?.message} (errcode ${error.errcode}: ${error.errmsg})`
          : "access token",
        { ...(advice ? { retry: advice.retry } : {}), details: error ? { errcode: error.errcode } : {} },
      ),
    );
  }
  const json = answer.json as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (
    typeof json?.access_token !== "string" ||
    json.access_token === "" ||
    typeof json.expires_in !== "number"
  ) {
    throw new AppError("CHANNEL_SEND_FAILED", "WeChat answered the access-token request without a token.", {
      retry: "default",
      details: { outcome: "not_sent" },
    });
  }
  const lifetimeMs = json.expires_in * 1000;
  const usableMs = lifetimeMs > 2 * RENEW_EARLY_MS ? lifetimeMs - RENEW_EARLY_MS : lifetimeMs / 2;
  return { token: json.access_token, expiresAt: now() + usableMs };
}

/** Whatever went wrong getting a token, the message itself certainly was not sent. */
function notSent(error: unknown): AppError {
  if (!(error instanceof AppError)) throw error;
  return new AppError(error.code, error.message, {
    retry: error.retry,
    cause: error.cause,
    details: { ...error.details, outcome: "not_sent" },
  });
}
