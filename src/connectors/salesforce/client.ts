import { AppError, isAppError } from "../../core/app-error.js";
import type { StoredToken } from "../connector.js";
import type { SalesforceSession } from "./auth/session.js";
import type { SalesforceConfig } from "./config.js";
import { dataError, parseJson, type SalesforceApiError, unknownOutcome } from "./errors/errors.js";
import { createRecordCalls, duplicateHeader, type RawAnswer } from "./record-calls.js";

/**
 * REST calls Tern makes (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/):
 * create, query, describe and identity here; update, upsert and get in record-calls.ts. URLs are
 * built from the token's instance_url on every attempt.
 */
export interface LimitInfo {
  used: number;
  max: number;
}

export interface DescribeField {
  name: string;
  label: string;
  type: string;
  length: number;
  nillable: boolean;
  createable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  /** An External ID field: it can key an upsert (exactly-once.ts). */
  externalId?: boolean;
  unique?: boolean;
  picklistValues?: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>;
}

export interface DescribeResult {
  name: string;
  label: string;
  keyPrefix: string | null;
  fields: DescribeField[];
}

/** One object in the describeGlobal list (`GET /sobjects/`, reference §2.4); the fields Tern reads. */
export interface GlobalObject {
  name: string;
  label: string;
  createable: boolean;
  queryable?: boolean;
}

export interface QueryResult<R = Record<string, unknown>> {
  totalSize: number;
  done: boolean;
  records: Array<R & { attributes: { type: string; url: string } }>;
}

export interface Identity {
  organizationId: string;
  userId: string;
  username: string;
  displayName: string;
}

/** One record's outcome in an sObject Collections answer (reference §2.7): errors carry `statusCode`. */
export interface SaveResult {
  id?: string;
  success: boolean;
  /** Upsert only (v46+): false when an existing record was updated. */
  created?: boolean;
  errors: Array<{
    statusCode: string;
    message: string;
    fields?: string[];
    /** DUPLICATES_DETECTED: the matching records, when the answer carries them (single upserts do). */
    duplicateResult?: SalesforceApiError["duplicateResult"];
  }>;
}

/** Per-request DML options. `allowSave` bypasses alert-type duplicate rules (reference §2.1). */
export interface WriteOptions {
  allowSave?: boolean;
}

export interface SalesforceClient {
  create(object: string, fields: Record<string, unknown>, options?: WriteOptions): Promise<{ id: string }>;
  /** `PATCH /sobjects/{object}/{id}` → 204 (reference §2.3). */
  update(object: string, id: string, fields: Record<string, unknown>, options?: WriteOptions): Promise<void>;
  /** `PATCH /sobjects/{object}/{field}/{value}` → 201 created / 200 updated (204 up to v45.0; reference §2.3). */
  upsert(
    object: string,
    externalIdField: string,
    value: string,
    fields: Record<string, unknown>,
    options?: WriteOptions,
  ): Promise<{ id: string; created: boolean }>;
  /** `GET /sobjects/{object}/{id}?fields=…` (reference §2.3). */
  get(object: string, id: string, fields?: ReadonlyArray<string>): Promise<Record<string, unknown>>;
  /** The instance the connection's token points at (no API call once a token is cached). */
  instanceUrl(): Promise<string>;
  /** `POST /composite/sobjects`, `allOrNone: false`, ≤ 200 records: one SaveResult per record, in order. */
  createMany(
    records: ReadonlyArray<{ object: string; fields: Record<string, unknown> }>,
  ): Promise<SaveResult[]>;
  /** `PATCH /composite/sobjects/{object}/{keyField}` (v46+): each record carries its key in `keyField`. */
  upsertMany(
    object: string,
    keyField: string,
    records: ReadonlyArray<Record<string, unknown>>,
  ): Promise<SaveResult[]>;
  query<R = Record<string, unknown>>(soql: string): Promise<QueryResult<R>>;
  describe(object: string): Promise<DescribeResult>;
  /** `GET /sobjects/`: every object the user can see (describeGlobal). */
  describeGlobal(): Promise<GlobalObject[]>;
  identity(): Promise<Identity>;
  /** From the latest `Sforce-Limit-Info: api-usage=N/M` header (reference §2.1). */
  limitInfo(): LimitInfo | null;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Object and field API names go into URLs and SOQL: only plain identifiers are allowed. */
export function assertApiName(name: string, what: "object" | "field"): void {
  if (!NAME.test(name)) {
    throw new AppError(
      "SALESFORCE_FIELD_INVALID",
      `"${name.slice(0, 80)}" is not a valid Salesforce ${what} API name (letters, digits and underscores, starting with a letter, e.g. Lead or Source__c).`,
      { details: { [what]: name.slice(0, 80) } },
    );
  }
}

/**
 * A write answered 2xx whose body Tern can't read (empty, a proxy's page, no id): Salesforce
 * accepted the request, so the record may exist. Its outcome is unknown, like a lost answer's:
 * the caller looks it up before trying again instead of creating it twice.
 */
export function unreadableWrite(object: string | undefined): AppError {
  return unknownOutcome(dataError(502, "application/json", "[]", object));
}

/** A collection answer must be one SaveResult per record sent; anything else is not Salesforce's. */
function saveResults(body: unknown, count: number, object: string | undefined): SaveResult[] {
  const isValid =
    Array.isArray(body) &&
    body.length === count &&
    body.every((r) => typeof r === "object" && r !== null && typeof (r as SaveResult).success === "boolean");
  if (!isValid) throw unreadableWrite(object);
  return body as SaveResult[];
}

export function parseLimitInfo(header: string | null): LimitInfo | null {
  const match = /api-usage=(\d+)\/(\d+)/.exec(header ?? "");
  return match ? { used: Number(match[1]), max: Number(match[2]) } : null;
}

export interface ClientOptions {
  requestTimeoutMs?: number;
  onLimitInfo?: (info: LimitInfo) => void;
}

export function createSalesforceClient(
  session: SalesforceSession,
  config: SalesforceConfig,
  options: ClientOptions = {},
): SalesforceClient {
  let limits: LimitInfo | null = null;
  const timeoutMs = options.requestTimeoutMs ?? 120_000;
  const base = (token: StoredToken) => `${token.instanceUrl}/services/data/v${config.apiVersion}`;

  /** Sends with the session's token and returns status + text; every REST call goes through here. */
  async function send(path: (token: StoredToken) => string, init: RequestInit): Promise<RawAnswer> {
    const { response, text } = await session.send(config, (token) => ({
      url: path(token),
      init: {
        ...init,
        headers: {
          Accept: "application/json",
          ...init.headers,
          Authorization: `Bearer ${token.accessToken}`,
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
    }));
    const info = parseLimitInfo(response.headers.get("sforce-limit-info"));
    if (info) {
      limits = info;
      options.onLimitInfo?.(info);
    }
    return { status: response.status, contentType: response.headers.get("content-type"), text };
  }

  /** `send`, then a 2xx with a JSON body or the mapped error. */
  async function call(
    path: (token: StoredToken) => string,
    init: RequestInit,
    object?: string,
  ): Promise<unknown> {
    const { status, contentType, text } = await send(path, init);
    const isWrite = (init.method ?? "GET") !== "GET";
    if (status < 200 || status > 299) {
      const error = dataError(status, contentType, text, object);
      throw status >= 500 && isWrite ? unknownOutcome(error) : error;
    }
    const body = parseJson(text);
    if (body === undefined)
      throw isWrite ? unreadableWrite(object) : dataError(502, contentType, text, object);
    return body;
  }

  const records = createRecordCalls(send, config);

  return {
    ...records,
    async instanceUrl() {
      return (await session.token(config)).instanceUrl;
    },
    async create(object, fields, writeOptions) {
      assertApiName(object, "object");
      for (const name of Object.keys(fields)) assertApiName(name, "field");
      const body = (await call(
        (t) => `${base(t)}/sobjects/${object}/`,
        {
          method: "POST",
          headers: { "Content-Type": "application/json", ...duplicateHeader(writeOptions) },
          body: JSON.stringify(fields),
        },
        object,
      )) as { id?: unknown } | null;
      if (typeof body?.id !== "string") throw unreadableWrite(object);
      return { id: body.id };
    },
    async createMany(records) {
      for (const r of records) {
        assertApiName(r.object, "object");
        for (const name of Object.keys(r.fields)) assertApiName(name, "field");
      }
      const body = {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: r.object }, ...r.fields })),
      };
      const object = records[0]?.object;
      return saveResults(
        await call(
          (t) => `${base(t)}/composite/sobjects`,
          { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
          object,
        ),
        records.length,
        object,
      );
    },
    async upsertMany(object, keyField, records) {
      assertApiName(object, "object");
      assertApiName(keyField, "field");
      for (const r of records) for (const name of Object.keys(r)) assertApiName(name, "field");
      const body = {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: object }, ...r })),
      };
      return saveResults(
        await call(
          (t) => `${base(t)}/composite/sobjects/${object}/${keyField}`,
          { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
          object,
        ),
        records.length,
        object,
      );
    },
    async query<R>(soql: string) {
      const body = (await call((t) => `${base(t)}/query?q=${encodeURIComponent(soql)}`, {
        method: "GET",
      })) as {
        records?: unknown;
      };
      // Salesforce always answers `records`; anything else (a proxy's answer) is a bad gateway,
      // not a TypeError in the step that reads it.
      if (!Array.isArray(body?.records)) throw dataError(502, "application/json", "{}", undefined);
      return body as QueryResult<R>;
    },
    async describe(object) {
      assertApiName(object, "object");
      return (await call(
        (t) => `${base(t)}/sobjects/${object}/describe`,
        { method: "GET" },
        object,
      )) as DescribeResult;
    },
    async describeGlobal() {
      const body = (await call((t) => `${base(t)}/sobjects/`, { method: "GET" })) as {
        sobjects?: unknown;
      };
      if (!Array.isArray(body.sobjects)) throw dataError(502, "application/json", "{}", undefined);
      return (body.sobjects as Array<Record<string, unknown>>).map((o) => ({
        name: String(o.name ?? ""),
        label: String(o.label ?? o.name ?? ""),
        createable: o.createable === true,
        queryable: o.queryable === true,
      }));
    },
    async identity() {
      // The identity URL comes from the token response; without one (token loaded from the store)
      // userinfo on the instance answers the same questions.
      const userinfo = (t: StoredToken) => `${t.instanceUrl}/services/oauth2/userinfo`;
      const identityUrl = session.identityUrl();
      let body: Record<string, unknown>;
      try {
        body = (await call((t) => identityUrl ?? userinfo(t), { method: "GET" })) as Record<string, unknown>;
      } catch (error) {
        // The identity URL may be on another host than the instance (login.salesforce.com, §1.3):
        // where only the org's own host is reachable (an egress allowlist), ask userinfo there
        // (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_userinfo_endpoint.htm).
        if (!identityUrl || !isAppError(error) || error.code !== "NETWORK_ERROR") throw error;
        body = (await call(userinfo, { method: "GET" })) as Record<string, unknown>;
      }
      return {
        organizationId: String(body.organization_id ?? ""),
        userId: String(body.user_id ?? ""),
        username: String(body.username ?? body.preferred_username ?? ""),
        displayName: String(body.display_name ?? body.name ?? ""),
      };
    },
    limitInfo: () => limits,
  };
}
