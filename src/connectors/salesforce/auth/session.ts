import { AppError } from "../../../core/app-error.js";
import { isSecureUrl } from "../../../core/secure-url.js";
import type { ConnectorDeps, StoredToken } from "../../connector.js";
import type { SalesforceConfig } from "../config.js";
import { isConcurrentRefresh, networkError } from "../errors/errors.js";
import { loginWithoutRefreshToken, refreshAccessToken } from "./auth.js";
import { liveRefreshToken, refreshLineage } from "./refresh-lineage.js";

/**
 * The access token of one connection. Refreshes are single-flight: every caller that finds the
 * token expired awaits the same refresh (jsforce's session-refresh-delegate does the same, and
 * Salesforce rejects concurrent refreshes of one refresh token since Winter '25 with
 * `token request is already being processed` — reference/salesforce.md §5, segmentio PR #2300).
 */
export interface SessionOptions {
  /** Back-off between retries after `token request is already being processed`. */
  sleep?: (ms: number) => Promise<void>;
  maxBusyRetries?: number;
}

export interface SentRequest {
  response: Response;
  text: string;
}

export type BuildRequest = (token: StoredToken) => { url: string; init: RequestInit };

export interface SalesforceSession {
  token(config: SalesforceConfig): Promise<StoredToken>;
  /** Refreshes unless a refresh newer than `stale` already happened; concurrent callers share one. */
  refresh(config: SalesforceConfig, stale: StoredToken | null): Promise<StoredToken>;
  /** Sends with the current token; on an expired session refreshes once and rebuilds the request. */
  send(config: SalesforceConfig, build: BuildRequest): Promise<SentRequest>;
  /** Identity URL from the latest token response in this process, if any. */
  identityUrl(): string | undefined;
}

/** A stored token other than the one that just failed (or any, when none failed yet). */
function isNewer(stored: StoredToken | null, stale: StoredToken | null): boolean {
  return stored !== null && stored.accessToken !== stale?.accessToken;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Any 401 from the REST API: "the session ID or OAuth token used has expired or is invalid"
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm),
 * usually with INVALID_SESSION_ID in the body, but the status alone says it (jsforce refreshes on
 * any 401 too). The identity URL answers 403 `Bad_OAuth_Token` instead (jsforce PR #736).
 */
function isSessionExpired(status: number, text: string): boolean {
  return status === 401 || (status === 403 && text.trim() === "Bad_OAuth_Token");
}

export function createSession(
  connectionId: string,
  deps: ConnectorDeps,
  options: SessionOptions = {},
): SalesforceSession {
  const sleep = options.sleep ?? defaultSleep;
  const maxBusyRetries = options.maxBusyRetries ?? 4;
  let current: StoredToken | null = null;
  let loaded: Promise<StoredToken | null> | null = null;
  let inflight: Promise<StoredToken> | null = null;
  let identityUrl: string | undefined;
  let configKey: string | null = null;

  async function readStore(): Promise<StoredToken | null> {
    try {
      return await deps.tokens.get(connectionId);
    } catch (error) {
      deps.log.warn({ connectionId, err: error }, "salesforce: token store read failed");
      return null;
    }
  }

  /** Another login URL, app or refresh token means another org or user: forget the cached token. */
  function useConfig(config: SalesforceConfig): void {
    const key = [config.loginUrl, config.clientId, config.grant, config.username, config.refreshToken].join(
      "\n",
    );
    if (configKey !== null && configKey !== key) {
      current = null;
      loaded = Promise.resolve(null);
      identityUrl = undefined;
    }
    configKey = key;
  }

  /**
   * Persists a new token. A rotated refresh token exists nowhere else (the old one is now dead and
   * reusing it revokes the family, §5): a failed write is retried before giving up with a warning.
   */
  async function persist(token: StoredToken): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.tokens.set(connectionId, token);
        return;
      } catch (error) {
        if (token.refreshToken && attempt < 2) {
          await sleep(50 * (attempt + 1));
          continue;
        }
        deps.log.warn(
          { connectionId, err: error, isRotated: token.refreshToken !== undefined },
          "salesforce: token store write failed",
        );
        return;
      }
    }
  }

  /** Password, client credentials, JWT: a new login, no refresh token (§1.2). */
  async function login(config: SalesforceConfig): Promise<StoredToken> {
    const result = await loginWithoutRefreshToken(deps.fetch, config, deps.clock.now());
    current = result.token;
    identityUrl = result.identityUrl;
    await persist(result.token);
    deps.log.info(
      { connectionId, grant: config.grant, instanceUrl: result.token.instanceUrl },
      "salesforce: logged in",
    );
    return result.token;
  }

  async function grant(config: SalesforceConfig, stale: StoredToken | null): Promise<StoredToken> {
    if (config.grant !== "web_server") return login(config);
    const configured = config.refreshToken;
    // A runtime made since the last refresh (a restart, a settings PATCH, the connection test's
    // refresh) has no token in memory, and the stored one holds the rotated refresh token: the
    // config's was rotated out, and sending it again made Salesforce revoke the whole family
    // (§5). One refresh token is sent, never the config's after the rotated one was refused
    // (refresh-lineage.ts says why, and how a rotated token of an older grant is passed over).
    const refreshToken = liveRefreshToken(current?.refreshToken ? current : await readStore(), configured);
    if (!refreshToken) {
      throw new AppError(
        "SALESFORCE_RECONNECT_REQUIRED",
        "This Salesforce connection is not connected yet: open GET /api/v1/connections/<id>/oauth/start (or run `tern salesforce connect <name>`) and approve access, or set a refreshToken.",
        { retry: "never" },
      );
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await refreshAccessToken(deps.fetch, config, refreshToken, deps.clock.now());
        const rotated = result.token.refreshToken ?? (refreshToken === configured ? undefined : refreshToken);
        const token: StoredToken = { ...result.token };
        delete token.refreshToken;
        if (rotated) {
          token.refreshToken = rotated;
          if (configured !== undefined) token.rotatedFrom = refreshLineage(configured);
        }
        current = token;
        identityUrl = result.identityUrl;
        await persist(token);
        deps.log.info({ connectionId, instanceUrl: token.instanceUrl }, "salesforce: access token refreshed");
        return token;
      } catch (error) {
        if (isConcurrentRefresh(error) && attempt < maxBusyRetries) {
          // Another process is refreshing the same token: wait, then adopt its result if it stored one.
          await sleep(100 * 2 ** attempt + Math.floor(Math.random() * 50));
          const stored = await readStore();
          if (
            stored &&
            stored.accessToken !== stale?.accessToken &&
            stored.accessToken !== current?.accessToken
          ) {
            current = stored;
            return stored;
          }
          continue;
        }
        // Refused (a locked or inactive user, a revoked grant): Salesforce's own reason is the
        // error, and the connection is marked reconnect-required by its row (error-rows-auth.ts).
        throw error;
      }
    }
  }

  function refresh(config: SalesforceConfig, stale: StoredToken | null): Promise<StoredToken> {
    useConfig(config);
    if (inflight) return inflight;
    // The request failed with an older token and someone refreshed meanwhile: just replay.
    if (stale && current && current.accessToken !== stale.accessToken) return Promise.resolve(current);
    const exclusive = deps.tokens.refreshExclusively;
    const granted = exclusive
      ? exclusive.call(deps.tokens, connectionId, async (stored) => {
          // Another process refreshed while this one waited for the lock: use its token.
          if (isNewer(stored, stale) && stored && isSecureUrl(stored.instanceUrl)) {
            current = stored;
            return stored;
          }
          return grant(config, stale);
        })
      : grant(config, stale);
    const started = granted.finally(() => {
      inflight = null;
    });
    inflight = started;
    return started;
  }

  async function token(config: SalesforceConfig): Promise<StoredToken> {
    useConfig(config);
    if (current) return current;
    if (inflight) return inflight;
    loaded ??= readStore();
    const stored = await loaded;
    if (current) return current;
    // A token stored before instance URLs were checked is not trusted with the access token.
    if (stored && isSecureUrl(stored.instanceUrl)) {
      current = stored;
      return stored;
    }
    return refresh(config, null);
  }

  async function send(config: SalesforceConfig, build: BuildRequest): Promise<SentRequest> {
    let used = await token(config);
    for (let attempt = 0; ; attempt++) {
      // Rebuilt from the token each time: a refresh may move the instance (jsforce #196).
      const { url, init } = build(used);
      let response: Response;
      let text: string;
      try {
        response = await deps.fetch(url, init);
        text = await response.text();
      } catch (cause) {
        throw networkError(cause, new URL(url).origin, (init.method ?? "GET") !== "GET");
      }
      if (attempt === 0 && isSessionExpired(response.status, text)) {
        used = await refresh(config, used);
        continue;
      }
      return { response, text };
    }
  }

  return { token, refresh, send, identityUrl: () => identityUrl };
}
