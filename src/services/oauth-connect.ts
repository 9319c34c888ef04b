import { createHash, randomBytes } from "node:crypto";
import type { ConnectorDefinition, ConnectorOAuth, StoredToken } from "../connectors/connector.js";
import { getConnectorDefinition } from "../connectors/registry.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { IfMatch } from "../core/entity-tags.js";
import type { FetchLike } from "../core/fetch.js";
import type { IntegrationRecord } from "../store/repos/integration-repo.js";
import type { Store } from "../store/store.js";
import { assertIntegrationMatches } from "./integration-admin.js";
import type { Integrations } from "./integrations.js";

/**
 * Connecting a connection in a browser (OAuth 2.0 web server flow with PKCE, RFC 7636) and
 * disconnecting it. `start` binds a random, single-use, short-lived `state` to one connection
 * (stored hashed, the PKCE verifier sealed); the public callback takes that state back exactly
 * once, trades the code, and stores the refresh token (sealed config) and the first access token
 * in one transaction. A forged, replayed or expired state changes nothing.
 */
const STATE_TTL_MS = 10 * 60_000;
/** Values longer than this are not a state or a code Tern or Salesforce made. */
const MAX_PARAM = 2048;

export interface OAuthConnectDeps {
  store: Store;
  integrations: Integrations;
  clock: Clock;
  fetch: FetchLike;
  /** Origin people reach Tern on (TERN_PUBLIC_URL); read on each call (known after listen). */
  publicUrl: () => string;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface RevocationReport {
  revoked: boolean;
  reason?: string;
}

type Oauth = ConnectorOAuth<unknown>;

const invalidState = () =>
  new AppError(
    "OAUTH_STATE_INVALID",
    "This sign-in link is not valid: it was already used, has expired (after 10 minutes) or was not made by this Tern. Nothing was changed. Start again from Tern (GET /api/v1/connections/<id>/oauth/start or `tern salesforce connect <name>`).",
  );

/** One query value, present once and of sane length; anything else is not a callback we made. */
function single(query: URLSearchParams, key: string): string | null {
  const values = query.getAll(key);
  if (values.length !== 1 || !values[0] || values[0].length > MAX_PARAM) return null;
  return values[0];
}

export function createOAuthConnect(deps: OAuthConnectDeps) {
  const { store, clock } = deps;

  function oauthOf(record: IntegrationRecord): { def: ConnectorDefinition; oauth: Oauth } {
    const def = getConnectorDefinition(record.type);
    if (!def?.oauth) {
      throw new AppError("CONFLICT", `Connections of type "${record.type}" are not connected in a browser.`);
    }
    return { def, oauth: def.oauth as Oauth };
  }

  async function load(id: string): Promise<IntegrationRecord> {
    const record = await store.connections.get(id);
    if (!record) throw new AppError("CONNECTION_NOT_FOUND", `No connection with id "${id}"`);
    return record;
  }

  const callbackUrl = (type: string) => `${deps.publicUrl().replace(/\/+$/, "")}/oauth/${type}/callback`;

  /** What the public view adds: the grant, whether it is connected, the URL for the app's settings. */
  function describe(record: IntegrationRecord): Record<string, unknown> {
    const def = getConnectorDefinition(record.type);
    if (!def?.oauth) return {};
    const parsed = def.config.safeParse(record.config);
    const oauth = def.oauth as Oauth;
    return {
      grant: parsed.success ? oauth.grant(parsed.data) : undefined,
      isConnected: parsed.success ? oauth.isConnected(parsed.data) : false,
      callbackUrl: callbackUrl(record.type),
    };
  }

  async function start(id: string): Promise<{ authorizeUrl: string; callbackUrl: string }> {
    const record = await load(id);
    const { def, oauth } = oauthOf(record);
    const config = def.config.parse(record.config);
    const state = randomBytes(32).toString("base64url");
    // RFC 7636 §4.1: 43–128 characters; 64 random bytes → 86.
    const codeVerifier = randomBytes(64).toString("base64url");
    const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
    const redirectUri = callbackUrl(record.type);
    const authorizeUrl = oauth.authorizeUrl(config, { redirectUri, state, codeChallenge });
    const now = clock.now();
    await store.write((tx) =>
      tx.oauthStates.insert(
        state,
        { connectionId: id, redirectUri, codeVerifier, expiresAt: now + STATE_TTL_MS },
        now,
      ),
    );
    return { authorizeUrl, callbackUrl: redirectUri };
  }

  /**
   * A reconnect that signed in to another org (the login page remembers the last username: a
   * sandbox's, a colleague's). Records, field names and the flows' lookups belong to the org the
   * connection was made for, and an unexpired sign-in link of a connected connection must not be
   * able to move its data elsewhere: moving it takes a disconnect first.
   */
  const accountChanged = (name: string, was: string, now: string) =>
    new AppError(
      "OAUTH_ACCOUNT_CHANGED",
      `The connection "${name}" is connected to the Salesforce org ${was}, and this sign-in was to the org ${now}. Nothing was changed and the new sign-in was revoked. Sign in with a user of ${was} to reconnect; to move the connection to another org, disconnect it first (POST /api/v1/connections/<id>/disconnect, or Disconnect in Connections), then connect.`,
      { details: { connectedOrg: was, signedInOrg: now } },
    );

  const denied = (what: string) =>
    new AppError(
      "OAUTH_DENIED",
      `Salesforce did not grant access (${what}). Nothing was changed. If you meant to allow it, start again; if the app is not allowed for you, ask the admin to check the app's "Permitted Users" policy.`,
    );

  /** The public callback. Resolves with the connected connection's id and name; throws AppErrors. */
  async function callback(type: string, query: URLSearchParams): Promise<{ id: string; name: string }> {
    const state = single(query, "state");
    if (!state) {
      // Salesforce's own example of a denial carries no state (`?error=access-denied`,
      // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm): say
      // it was refused. Without a state nothing ties it to Tern: only a code-shaped error is shown.
      const error = single(query, "error");
      if (error && /^[a-z_-]{1,64}$/i.test(error) && !query.has("code")) throw denied(error);
      throw invalidState();
    }
    const taken = await store.write((tx) => tx.oauthStates.take(state));
    if (!taken || taken.expiresAt < clock.now()) throw invalidState();
    const record = await store.connections.get(taken.connectionId);
    if (!record || record.type !== type) throw invalidState();
    const error = query.get("error");
    if (error !== null) {
      const description = query.get("error_description") ?? "";
      throw denied(`${error.slice(0, 100)}${description ? `: ${description.slice(0, 300)}` : ""}`);
    }
    const code = single(query, "code");
    if (!code)
      throw new AppError("BAD_REQUEST", "The callback has no authorization code. Start again from Tern.");
    const { def, oauth } = oauthOf(record);
    const config = def.config.parse(record.config);
    const result = await oauth.exchangeCode(
      config,
      { code, redirectUri: taken.redirectUri, codeVerifier: taken.codeVerifier },
      deps,
    );
    const refused = await store.write(async (tx) => {
      // Under the lock a PATCH takes (integration-repo.ts): neither overwrites the other's config.
      await tx.connections.lockChanges();
      const current = await tx.connections.get(record.id);
      if (!current) throw invalidState();
      const was = (await tx.tokens.get(record.id).catch(() => null))?.accountId;
      const now = result.token.accountId;
      const connected = def.config.safeParse(current.config);
      if (was && now && was !== now && connected.success && oauth.isConnected(connected.data))
        return { was, now };
      const next = {
        ...current,
        config: { ...current.config, ...result.configPatch },
        updatedAt: clock.now(),
      };
      await tx.connections.update(next, def.secretFields);
      await tx.tokens.put(record.id, result.token);
      // Connected again: a "reconnect required" or a pause was about the old authorization.
      await tx.connectionHealth.clear(record.id);
      return null;
    });
    if (refused) {
      // The grant just made is not kept: revoked, so it does not outlive the refusal.
      const made = { ...(config as Record<string, unknown>), ...result.configPatch };
      await oauth.revoke(made, result.token, deps).catch(() => undefined);
      deps.log.warn(
        { connectionId: record.id, was: refused.was, signedInTo: refused.now },
        "oauth: reconnect refused, signed in to another account",
      );
      throw accountChanged(record.name, refused.was, refused.now);
    }
    deps.integrations.invalidate();
    deps.log.info({ connectionId: record.id }, "oauth: connection connected");
    return { id: record.id, name: record.name };
  }

  /**
   * Best-effort revocation of the connection's long-lived token. `token`: the stored token as read
   * in the commit that removed it (a delete, a disconnect); else read now.
   */
  async function revoke(record: IntegrationRecord, token?: StoredToken | null): Promise<RevocationReport> {
    const def = getConnectorDefinition(record.type);
    const parsed = def?.config.safeParse(record.config);
    if (!def?.oauth || !parsed?.success) return { revoked: false, reason: "nothing to revoke" };
    // Revoking a refresh token ends every session made from it: another connection pasted with
    // the same one would stop working too.
    const shared = (await store.connections.list()).find(
      (other) =>
        other.id !== record.id &&
        other.type === record.type &&
        record.config.refreshToken !== undefined &&
        other.config.refreshToken === record.config.refreshToken,
    );
    if (shared) {
      const reason = `not revoked: the connection "${shared.name}" uses the same refresh token`;
      deps.log.info({ connectionId: record.id, revoked: false, reason }, "oauth: token revocation");
      return { revoked: false, reason };
    }
    const stored = token !== undefined ? token : await store.tokens.get(record.id).catch(() => null);
    const outcome = await (def.oauth as Oauth).revoke(parsed.data, stored, deps);
    deps.log.info({ connectionId: record.id, ...outcome }, "oauth: token revocation");
    return outcome;
  }

  /**
   * Forgets tokens and the refresh token, then revokes them; the connection stays, not connected.
   * With `ifMatch` (If-Match), checked under the lock a PATCH takes, in the same commit: a refresh
   * token pasted by a PATCH since is kept (412), and nothing is revoked unless the commit was made.
   */
  async function disconnect(
    id: string,
    ifMatch?: IfMatch,
  ): Promise<RevocationReport & { record: IntegrationRecord }> {
    const record = await load(id);
    // A stale read is a 412 before anything else (a connection that has no browser sign-in too).
    assertIntegrationMatches("connection", record, ifMatch);
    const { def, oauth } = oauthOf(record);
    const { before, token, next } = await store.write(async (tx) => {
      await tx.connections.lockChanges();
      const current = await tx.connections.get(id);
      if (!current) throw new AppError("CONNECTION_NOT_FOUND", `No connection with id "${id}"`);
      assertIntegrationMatches("connection", current, ifMatch);
      const token = await tx.tokens.get(id).catch(() => null);
      const config = { ...current.config };
      for (const key of oauth.disconnectKeys) delete config[key];
      const next = { ...current, config, updatedAt: clock.now() };
      const revision = await tx.connections.update(next, def.secretFields);
      await tx.tokens.clear(id);
      await tx.oauthStates.removeFor(id);
      return { before: current, token, next: { ...next, revision } };
    });
    deps.integrations.invalidate();
    // The tokens as they were when forgotten: revoked only now that forgetting them has committed.
    const revocation = await revoke(before, token);
    return { ...revocation, record: next };
  }

  return { describe, start, callback, revoke, disconnect, callbackUrl };
}
export type OAuthConnect = ReturnType<typeof createOAuthConnect>;
