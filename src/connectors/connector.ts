import type { z } from "zod";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import type { StepDefinition } from "../flows/step.js";

/** Cached OAuth tokens of a connection. Persisted encrypted by the store. */
export interface StoredToken {
  accessToken: string;
  instanceUrl: string;
  issuedAt: number;
  /** Set when the provider rotated the refresh token. */
  refreshToken?: string;
  /**
   * With `refreshToken`: a fingerprint of the configured refresh token it was rotated from, so a
   * rotated token of an older grant is told from the current one (salesforce/auth/refresh-lineage.ts).
   */
  rotatedFrom?: string;
  /**
   * The provider account the token was issued in (a Salesforce org id), where the provider says:
   * a browser reconnect that signs in to another account is refused (services/oauth-connect.ts).
   */
  accountId?: string;
}

export interface TokenStore {
  get(connectionId: string): Promise<StoredToken | null>;
  set(connectionId: string, token: StoredToken): Promise<void>;
  /**
   * Runs `refresh` holding a lock on this connection's token that every Tern process sharing the
   * database respects (PostgreSQL: an advisory lock), handing it the token stored at that moment:
   * a process that waited finds the one another process just stored and uses it instead of asking
   * the provider again. Absent where one process owns the database (SQLite): the session's
   * in-process single flight is then enough.
   */
  refreshExclusively?(
    connectionId: string,
    refresh: (stored: StoredToken | null) => Promise<StoredToken>,
  ): Promise<StoredToken>;
}

/**
 * How a connection is doing, as its connector last saw it: `paused` until a time (e.g. the org's
 * API allowance ran out; runs wait), `reconnect_required` (the consent behind its refresh token is
 * gone; steps fail until a person reconnects), or `auth_failed` (the login was refused for its
 * settings or the app's policy; steps fail until it is fixed, in Tern or in Salesforce). Shown by
 * `GET /api/v1/connections/:id`.
 */
export interface ConnectionHealth {
  state: "ok" | "paused" | "reconnect_required" | "auth_failed";
  /** The error code that caused it, e.g. SALESFORCE_LIMIT_EXCEEDED. */
  code: string | null;
  /** The sentence for a person (secret-free). */
  reason: string | null;
  pausedUntil: number | null;
  since: number | null;
}

export interface ConnectionHealthStore {
  set(connectionId: string, health: ConnectionHealth): Promise<void>;
}

/** What the worker of this process is doing (a connector batching calls decides how long to wait). */
export interface WorkerLoad {
  /** Conversation turns in progress (a call a connector holds is one of them). */
  turns: number;
  /** Conversations wait for a free turn: more calls are coming, worth waiting for. */
  isBacklogged: boolean;
}

export interface ConnectorDeps {
  fetch: FetchLike;
  clock: Clock;
  tokens: TokenStore;
  /** Where the connector reports a connection's health (the store); absent in unit tests. */
  health?: ConnectionHealthStore;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The worker's load in this process (batching: whether more calls are worth waiting for). */
  workerLoad?: () => WorkerLoad;
}

export interface ActionContext {
  connectionId: string;
  /** When the effect was first attempted (ms): reconcilers look for records created since. */
  intentAt: number;
  /** Effect key, unique per run + step visit + call. */
  key: string;
}

export interface ConnectorAction<Config> {
  run(input: Record<string, unknown>, config: Config, ctx: ActionContext): Promise<unknown>;
  /**
   * Called instead of `run` when an earlier attempt was in flight when the process died and
   * the far side has no idempotency key. Returns the earlier result if it took effect, else null.
   */
  reconcile?(input: Record<string, unknown>, config: Config, ctx: ActionContext): Promise<unknown | null>;
}

export interface ConnectorRuntime<Config> {
  test(config: Config): Promise<Record<string, unknown>>;
  actions: Record<string, ConnectorAction<Config>>;
  /**
   * Read-only answers for design-time checks (flow validate/publish), e.g. Salesforce's
   * `describe` of an object, served from the runtime's caches where possible.
   */
  facts?: Record<string, (input: Record<string, unknown>, config: Config) => Promise<unknown>>;
  /**
   * For an `http` flow step that names this connection: the URL to call (a relative step URL is
   * resolved against the connection's base URL) and the headers that authenticate it. Throws
   * when the connection must not send its credentials there (another host, plain http).
   */
  authorizeHttp?(config: Config, url: string): Promise<{ url: string; headers: Record<string, string> }>;
}

/**
 * A connector that people connect in a browser (OAuth web server flow with PKCE) and whose tokens
 * can be revoked. The server composes these; it never imports a connector.
 */
export interface ConnectorOAuth<Config> {
  /** The grant this config uses, shown in the API (`web_server`, `jwt_bearer`, ...). */
  grant(config: Config): string;
  /** Whether Tern can get tokens for this config without a person. */
  isConnected(config: Config): boolean;
  /** The provider's authorize URL, or an AppError when this config's grant has no browser step. */
  authorizeUrl(config: Config, params: { redirectUri: string; state: string; codeChallenge: string }): string;
  /** Trades the callback's code: the config keys to store (sealed) and the first token. */
  exchangeCode(
    config: Config,
    params: { code: string; redirectUri: string; codeVerifier: string },
    deps: Pick<ConnectorDeps, "fetch" | "clock">,
  ): Promise<{ configPatch: Record<string, unknown>; token: StoredToken }>;
  /** Config keys to drop when disconnecting (the refresh token). */
  disconnectKeys: ReadonlyArray<string>;
  /** Revokes the connection's long-lived token, best-effort (never throws). */
  revoke(
    config: Config,
    stored: StoredToken | null,
    deps: Pick<ConnectorDeps, "fetch">,
  ): Promise<{ revoked: boolean; reason?: string }>;
}

export interface ConnectorDefinition<Config extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  config: Config;
  /** Config keys holding secrets: encrypted at rest, never returned by the API or logged. */
  secretFields: ReadonlyArray<string>;
  /**
   * Config keys that tune how the connection behaves, not whom it signs in as (an API version,
   * pauses, batching): changing them keeps its stored tokens. Any other key changed forgets them.
   */
  settingsFields?: ReadonlyArray<string>;
  /** Flow step types this connector contributes (e.g. `salesforce.create`); composed in src/steps.ts. */
  steps: ReadonlyArray<StepDefinition>;
  /** Browser connect and revocation, for connectors that have them. */
  oauth?: ConnectorOAuth<z.infer<Config>>;
  /** Builds the runtime for one connection (token cache and single-flight refresh live here). */
  create(connectionId: string, deps: ConnectorDeps): ConnectorRuntime<z.infer<Config>>;
}

export function defineConnector<Config extends z.ZodType>(
  spec: ConnectorDefinition<Config>,
): ConnectorDefinition<Config> {
  return spec;
}
