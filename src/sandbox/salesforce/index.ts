import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, systemClock } from "../../core/clock.js";
import { handleAuthorize } from "./authorize.js";
import { handleData } from "./data-routes.js";
import { handleRevoke } from "./grants.js";
import { delay, readBody, sendText } from "./http.js";
import { findField, findObject } from "./metadata.js";
import { handleIdentity, handleToken, handleUserinfo } from "./oauth-routes.js";
import { commitRecord, formatDatetime, validateCreate } from "./records.js";
import {
  createState,
  type EmulatorState,
  type FaultTarget,
  type HostKind,
  type StoredRecord,
} from "./state.js";
import { orgObjects } from "./tern-key.js";
import { issueRefreshToken } from "./tokens.js";

/**
 * A Salesforce org on loopback for tests, `tern demo` and benchmarks: OAuth token endpoint,
 * identity URL, and the REST data API subset Tern uses, with fault controls. See README.md.
 */
export interface SalesforceEmulatorOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  /** How long a token grant is "processed"; concurrent refreshes of one token in this window fail. */
  tokenLatencyMs?: number;
  /** Daily API allocation reported in `Sforce-Limit-Info` (Developer Edition: 15,000). */
  apiLimit?: number;
  /** Whether the default connected app rotates refresh tokens. */
  rotatesRefreshTokens?: boolean;
  /**
   * Adds the optional `Tern_Key__c` field (Text(255), External ID, Unique) to Lead and Case, as an
   * admin following Tern's exact-once setup would (tern-key.ts).
   */
  ternKeyField?: boolean;
  /** Which host this acts as (default `mydomain`): client credentials work only on a My Domain. */
  hostKind?: HostKind;
  /** Summer '23+ orgs block the username-password flow (`invalid_grant` `authentication failure`). */
  isPasswordFlowBlocked?: boolean;
  /**
   * The org keeps the newest this many records (every object together) and forgets the oldest:
   * the sandbox of a `tern serve` that runs for months. Default: every record, as tests and
   * benchmarks count them.
   */
  maxRecords?: number;
}

export interface EmulatorCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  loginUrl: string;
  /** The integration user, for the password and JWT bearer grants. */
  username: string;
  password: string;
  securityToken: string;
}

/** A record as a GET would show it: every field, `CreatedDate` in Salesforce's wire format. */
export type EmulatorRecord = { Id: string; CreatedDate: string } & Record<string, unknown>;

export interface FailNextOptions {
  /** Which requests the fault applies to; `any` = any data call (not the token endpoint). */
  on?: FaultTarget;
  times?: number;
  contentType?: string;
}

export interface SalesforceEmulator {
  /** Origin of the login host (also the instance until `moveInstance()`). */
  readonly url: string;
  readonly instanceUrl: string;
  readonly credentials: EmulatorCredentials;
  readonly orgId: string;
  readonly userId: string;
  readonly tokenRequests: number;
  readonly grantTypes: ReadonlyArray<string>;
  /** The refresh token each refresh request sent, in order (rotation: was a rotated-out one resent?). */
  readonly refreshTokensSent: ReadonlyArray<string>;
  /** Records sent to be created: a single create counts 1, a collection of n counts n. */
  readonly createRequests: number;
  readonly apiUsage: number;
  /** Authenticated data API calls per endpoint: `create`, `collection-create`, `collection-upsert`, `query`, `describe`, ... */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** `POST /services/oauth2/revoke` requests so far. */
  readonly revokeRequests: number;
  /** Whether a refresh or access token is still usable. */
  isTokenActive(token: string): boolean;
  addConnectedApp(app?: {
    clientId?: string;
    clientSecret?: string;
    rotatesRefreshTokens?: boolean;
    callbackUrl?: string;
    /** PEM certificate or public key for the JWT bearer flow. */
    certificate?: string;
    isUserPreAuthorized?: boolean;
    hasRunAsUser?: boolean;
  }): {
    clientId: string;
    clientSecret: string;
  };
  issueRefreshToken(clientId?: string): string;
  /**
   * The object's records as the API shows them. `where` picks them on their stored values first
   * (datetimes are ms there): shaping every record cost the sandbox's conversation view, which
   * Try it reads twice a second, about a second of the event loop at 10,000 Leads.
   */
  records(
    objectName: string,
    where?: (fields: Readonly<Record<string, unknown>>) => boolean,
  ): EmulatorRecord[];
  seedRecord(
    objectName: string,
    fields: Record<string, unknown>,
    options?: { createdAt?: number },
  ): EmulatorRecord;
  expireAccessTokens(): void;
  setApiDisabled(isDisabled: boolean): void;
  /** Locks the integration user: refreshes answer 400 `invalid_grant` `user is locked` until unlocked. */
  setUserLocked(isLocked: boolean): void;
  /** Revokes one refresh token, by default the one in `credentials`. */
  revokeRefreshToken(token?: string): void;
  holdCreates(): void;
  /** Resolves when the n-th create since `holdCreates()` has been committed (its answer withheld). */
  waitForCreate(n?: number): Promise<EmulatorRecord>;
  /**
   * Answers withheld creates; with `drop` cuts their connections so the answer is lost; with
   * `answer` answers them with that error instead (a gateway's 504 in front of a commit); with
   * `withoutIds` answers them as usual but each success without its `id` (201
   * `{"success":true,"errors":[]}`, SaveResults likewise): saved, but Tern can't tell which record.
   */
  releaseCreates(options?: {
    drop?: boolean;
    answer?: { status: number; body: string; contentType?: string };
    withoutIds?: boolean;
  }): void;
  failNext(status: number, body: unknown, options?: FailNextOptions): void;
  /**
   * A duplicate rule: creates/updates/upserts of `object` whose `matchFields` all equal an existing
   * record's answer DUPLICATES_DETECTED. `allowSave: true` = alert rule (bypassed by
   * `Sforce-Duplicate-Rule-Header: allowSave=true`), false = blocking rule.
   */
  addDuplicateRule(rule: {
    object: string;
    matchFields: string[];
    allowSave: boolean;
    name?: string;
    /** Objects whose records it matches (default `[object]`; the standard Lead rule: Lead and Contact). */
    matchObjects?: string[];
  }): void;
  /**
   * The daily API allocation (reference §5): past it every data call answers 403
   * REQUEST_LIMIT_EXCEEDED `TotalRequests Limit exceeded.` until usage is reset.
   */
  setApiLimit(limit: number): void;
  /** Every data API call answers this much later from now on (a slow org; the deadline tests). */
  setDataLatency(ms: number): void;
  /** Forgets every fault `failNext` queued that has not fired yet. */
  clearFaults(): void;
  /** Sets the rolling 24-hour usage, e.g. 0 when the allowance "frees up". */
  setApiUsage(used: number): void;
  /** Serves the instance from a new origin; tokens for the old one stop working (org migration). */
  moveInstance(): Promise<string>;
  /**
   * Signs people in to another org from now on (a new org id in the token answers' identity URL;
   * the records stay): what the login host does for someone who signs in with another org's
   * username. Returns the new org id.
   */
  signInToAnotherOrg(): string;
  close(): Promise<void>;
}

function toEmulatorRecord(record: StoredRecord): EmulatorRecord {
  const out: Record<string, unknown> = {};
  for (const def of record.object.fields) {
    const value = record.fields[def.name];
    out[def.name] =
      def.type === "datetime" && typeof value === "number" ? formatDatetime(value) : (value ?? null);
  }
  return out as EmulatorRecord;
}

async function route(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
): Promise<void> {
  const url = new URL(req.url ?? "/", origin);
  const path = url.pathname;
  if (path === "/services/oauth2/token" && req.method === "POST") return handleToken(state, req, res, origin);
  if (path === "/services/oauth2/authorize" && req.method === "GET") return handleAuthorize(state, res, url);
  if (path === "/services/oauth2/userinfo") return handleUserinfo(state, req, res, url);
  if (path === "/services/oauth2/revoke" && req.method === "POST") {
    return handleRevoke(state, res, new URLSearchParams(await readBody(req)).get("token"));
  }
  if (path === "/services/oauth2/revoke" && req.method === "GET") {
    return handleRevoke(state, res, url.searchParams.get("token"));
  }
  if (/^\/id\/[^/]+\/[^/]+\/?$/.test(path) && req.method === "GET")
    return handleIdentity(state, req, res, url);
  if (path === "/services/data" || path.startsWith("/services/data/")) {
    if (state.dataLatencyMs > 0) await delay(state.dataLatencyMs);
    return handleData(state, req, res, url, origin);
  }
  // A record's own page (`<instance>/<id>`, the link a run's output carries): its fields.
  const record = /^\/([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)$/.exec(path)
    ? state.records.find((r) => r.id === path.slice(1))
    : undefined;
  if (record && req.method === "GET")
    return sendText(res, 200, recordPage(record), "text/html;charset=UTF-8");
  // Wrong paths on a Salesforce host answer with an HTML page, which clients must not parse as JSON.
  sendText(res, 404, "<html><body><h1>URL No Longer Exists</h1></body></html>", "text/html;charset=UTF-8");
}

/** The sandbox org's page for one record: what a person clicking the record link wants to see. */
function recordPage(record: StoredRecord): string {
  const html = (value: unknown) => String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = Object.entries(record.fields)
    .map(([name, value]) => `<tr><th>${html(name)}</th><td>${html(value)}</td></tr>`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(record.object.name)} ${html(record.id)}</title></head><body><h1>${html(record.object.name)} ${html(record.id)}</h1><p>Tern's sandbox Salesforce org (an emulator): this record lives until Tern stops.</p><table>${rows}</table></body></html>`;
}

async function listen(
  state: EmulatorState,
  host: string,
  port: number,
): Promise<{ server: Server; origin: string }> {
  let origin = "";
  const server = createServer((req, res) => {
    route(state, req, res, origin).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, `emulator error: ${String(error)}`, "text/plain");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  return { server, origin };
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const host = options.host ?? "127.0.0.1";
  const state = createState({
    clock: options.clock ?? systemClock,
    tokenLatencyMs: options.tokenLatencyMs ?? 20,
    apiLimit: options.apiLimit ?? 15_000,
    objects: orgObjects(options.ternKeyField ?? false),
    hostKind: options.hostKind ?? "mydomain",
    isPasswordFlowBlocked: options.isPasswordFlowBlocked ?? false,
    maxRecords: options.maxRecords ?? Number.POSITIVE_INFINITY,
  });
  const first = await listen(state, host, options.port ?? 0);
  const servers = [first.server];
  state.instanceOrigin = first.origin;

  const addConnectedApp: SalesforceEmulator["addConnectedApp"] = (app = {}) => {
    const clientId = app.clientId ?? state.secret("3MVG9", 48);
    const clientSecret = app.clientSecret ?? state.secret("", 24).toUpperCase();
    state.apps.set(clientId, {
      clientId,
      clientSecret,
      rotatesRefreshTokens: app.rotatesRefreshTokens ?? false,
      ...(app.callbackUrl ? { callbackUrl: app.callbackUrl } : {}),
      ...(app.certificate ? { certificate: app.certificate } : {}),
      isUserPreAuthorized: app.isUserPreAuthorized ?? true,
      hasRunAsUser: app.hasRunAsUser ?? true,
    });
    return { clientId, clientSecret };
  };
  const app = addConnectedApp({ rotatesRefreshTokens: options.rotatesRefreshTokens });
  const credentials = {
    ...app,
    refreshToken: issueRefreshToken(state, app.clientId),
    loginUrl: first.origin,
    username: state.user.username,
    password: state.user.password,
    securityToken: state.user.securityToken,
  };

  return {
    url: first.origin,
    get instanceUrl() {
      return state.instanceOrigin;
    },
    credentials,
    get orgId() {
      return state.org.id;
    },
    userId: state.user.id,
    get tokenRequests() {
      return state.grantTypes.length;
    },
    get grantTypes() {
      return [...state.grantTypes];
    },
    get refreshTokensSent() {
      return [...state.refreshTokensSent];
    },
    get createRequests() {
      return state.createRequests;
    },
    get apiUsage() {
      return state.apiUsage;
    },
    get apiCalls() {
      return { ...state.apiCalls };
    },
    get revokeRequests() {
      return state.revokeRequests;
    },
    isTokenActive(token) {
      const refresh = state.refreshTokens.get(token);
      if (refresh) return !refresh.isRevoked && !refresh.isRotatedOut;
      const access = state.accessTokens.get(token);
      return access !== undefined && !access.isExpired;
    },
    addConnectedApp,
    issueRefreshToken: (clientId = app.clientId) => issueRefreshToken(state, clientId),
    records(objectName, where) {
      const object = findObject(objectName, state.objects);
      return state.records
        .filter((r) => r.object.name === object?.name && (where === undefined || where(r.fields)))
        .map(toEmulatorRecord);
    },
    seedRecord(objectName, fields, seedOptions = {}) {
      const object = findObject(objectName, state.objects);
      if (!object) throw new Error(`The emulator has no object ${objectName}`);
      const record = commitRecord(state, object, validateCreate(object, fields));
      if (seedOptions.createdAt !== undefined) {
        record.createdAt = seedOptions.createdAt;
        Object.assign(record.fields, {
          CreatedDate: seedOptions.createdAt,
          LastModifiedDate: seedOptions.createdAt,
          SystemModstamp: seedOptions.createdAt,
        });
      }
      return toEmulatorRecord(record);
    },
    expireAccessTokens() {
      for (const grant of state.accessTokens.values()) grant.isExpired = true;
    },
    setApiDisabled(isDisabled) {
      state.isApiDisabled = isDisabled;
    },
    setUserLocked(isLocked) {
      state.user.isLocked = isLocked;
    },
    revokeRefreshToken(token = credentials.refreshToken) {
      const grant = state.refreshTokens.get(token);
      if (!grant) return;
      for (const other of state.refreshTokens.values())
        if (other.family === grant.family) other.isRevoked = true;
      for (const access of state.accessTokens.values())
        if (access.family === grant.family) access.isExpired = true;
    },
    holdCreates() {
      state.hold.isActive = true;
      state.hold.committed = [];
    },
    waitForCreate(n = 1) {
      const { hold } = state;
      return new Promise((resolve) => {
        const check = () => {
          const record = hold.committed[n - 1];
          if (record) resolve(toEmulatorRecord(record));
          else hold.waiters.push(check);
        };
        check();
      });
    },
    releaseCreates(releaseOptions = {}) {
      state.hold.isActive = false;
      for (const held of state.hold.held.splice(0)) {
        const { answer } = releaseOptions;
        if (releaseOptions.drop) held.res.destroy();
        else if (answer) {
          held.res.writeHead(answer.status, { "content-type": answer.contentType ?? "application/json" });
          held.res.end(answer.body);
        } else held.send({ withoutIds: releaseOptions.withoutIds === true });
      }
    },
    clearFaults() {
      state.faults.length = 0;
    },
    setDataLatency(ms) {
      state.dataLatencyMs = ms;
    },
    setApiLimit(limit) {
      state.apiLimit = limit;
    },
    setApiUsage(used) {
      state.apiUsage = used;
    },
    failNext(status, body, failOptions = {}) {
      state.faults.push({
        status,
        body,
        contentType: failOptions.contentType,
        on: failOptions.on ?? "any",
        remaining: failOptions.times ?? 1,
      });
    },
    addDuplicateRule(rule) {
      const object = findObject(rule.object, state.objects);
      if (!object) throw new Error(`The emulator has no object ${rule.object}`);
      const matchFields = rule.matchFields.map((name) => {
        const def = findField(object, name);
        if (!def) throw new Error(`${object.name} has no field ${name}`);
        return def.name;
      });
      state.duplicateRules.push({
        object: object.name,
        matchFields,
        allowSave: rule.allowSave,
        name: rule.name ?? `Tern_${object.name}_Duplicate_Rule`,
        ...(rule.matchObjects ? { matchObjects: rule.matchObjects } : {}),
      });
    },
    async moveInstance() {
      const next = await listen(state, host, 0);
      servers.push(next.server);
      state.instanceOrigin = next.origin;
      for (const grant of state.accessTokens.values()) grant.isExpired = true;
      return next.origin;
    },
    signInToAnotherOrg() {
      state.org = { ...state.org, id: state.newId("00D") };
      return state.org.id;
    },
    async close() {
      for (const held of state.hold.held.splice(0)) held.res.destroy();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

export { canonicalId, toCaseSafeId } from "./ids.js";
