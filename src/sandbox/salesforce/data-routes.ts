import type { IncomingMessage, ServerResponse } from "node:http";
import { handleCollection } from "./collection-routes.js";
import { describeGlobalEntry, describeObject } from "./describe.js";
import { checkDuplicates, headerAllowsSave } from "./duplicate-rules.js";
import { bearerToken, readBody, sendJson, sendRaw } from "./http.js";
import { canonicalId } from "./ids.js";
import { findObject } from "./metadata.js";
import { recordsByExternalId, updateRecord, upsertRecord } from "./record-writes.js";
import { ApiFailure, commitRecord, recordJson, validateCreate } from "./records.js";
import { runSoql } from "./soql-eval.js";
import { SoqlError } from "./soql-parser.js";
import type { EmulatorState, StoredRecord } from "./state.js";
import { takeFault } from "./state.js";

/**
 * The REST data API under `/services/data/`. Errors are top-level arrays of
 * `{message, errorCode, fields?}` (reference/salesforce.md §3); every answer after authentication
 * carries `Sforce-Limit-Info` (§2.1).
 */
const LATEST = 66;
const OLDEST_SUPPORTED = 31;
const RELEASES = ["Winter", "Spring", "Summer"] as const;

/** `GET /services/data/` — no authentication (§2.2). v62.0 = Winter '25, three releases a year. */
function versions() {
  const out: Array<{ label: string; url: string; version: string }> = [];
  for (let v = OLDEST_SUPPORTED; v <= LATEST; v++) {
    const offset = v - 62;
    const release = RELEASES[((offset % 3) + 3) % 3] ?? "Winter";
    const year = String(25 + Math.floor(offset / 3)).padStart(2, "0");
    out.push({ label: `${release} '${year}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

const err = (status: number, errorCode: string, message: string) =>
  new ApiFailure(status, [{ message, errorCode }]);
const NOT_FOUND = () => err(404, "NOT_FOUND", "The requested resource does not exist");

function authenticate(state: EmulatorState, req: IncomingMessage, serverOrigin: string): void {
  const header = req.headers.authorization;
  const token = bearerToken(req);
  if (!header || !token) throw err(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE");
  const grant = state.accessTokens.get(token);
  // A token used on another instance than the one it was issued for is not a valid session there.
  if (!grant || grant.isExpired || serverOrigin !== state.instanceOrigin) {
    throw err(401, "INVALID_SESSION_ID", "Session expired or invalid");
  }
}

interface Route {
  version: string;
  rest: string[];
  url: URL;
}

async function createRecord(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  headers: Record<string, string>,
): Promise<void> {
  const object = findObject(route.rest[1] ?? "", state.objects);
  if (!object) throw NOT_FOUND();
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw err(400, "JSON_PARSER_ERROR", `Unexpected character in request body: ${(e as Error).message}`);
  }
  const values = validateCreate(object, body);
  checkDuplicates(state, object, values, { isAllowSave: headerAllowsSave(req), version: route.version });
  const record = commitRecord(state, object, values);
  const location = `/services/data/v${route.version}/sobjects/${object.name}/${record.id}`;
  const send = ({ withoutIds = false } = {}) =>
    sendJson(
      res,
      201,
      withoutIds ? { success: true, errors: [] } : { id: record.id, success: true, errors: [] },
      { ...headers, Location: location },
    );
  const { hold } = state;
  if (!hold.isActive) return send();
  // Committed, answer withheld: models "the request reached Salesforce, the response was lost".
  hold.committed.push(record);
  hold.held.push({ res, record, send });
  for (const wake of hold.waiters.splice(0)) wake();
}

function getRecord(
  state: EmulatorState,
  res: ServerResponse,
  route: Route,
  headers: Record<string, string>,
): void {
  const object = findObject(route.rest[1] ?? "", state.objects);
  let record: StoredRecord | undefined;
  if (route.rest.length === 4) {
    // By External ID: several matches answer 300 with their URLs, as the upsert does (§2.3).
    const found = recordsByExternalId(state, object, route.rest[2] ?? "", route.rest[3] ?? "");
    const base = `/services/data/v${route.version}/sobjects/${object?.name}`;
    if (found.length > 1) {
      sendJson(
        res,
        300,
        found.map((r) => `${base}/${r.id}`),
        headers,
      );
      return;
    }
    record = found[0];
  } else {
    const id = canonicalId(route.rest[2] ?? "");
    record = state.records.find((r: StoredRecord) => r.object === object && r.id === id);
  }
  if (!object || !record) throw NOT_FOUND();
  const wanted = route.url.searchParams.get("fields");
  const fields = wanted
    ? wanted.split(",").map((name) => {
        const def = object.fields.find((f) => f.name.toLowerCase() === name.trim().toLowerCase());
        if (!def)
          throw err(
            400,
            "INVALID_FIELD",
            `No such column '${name.trim()}' on sobject of type ${object.name}`,
          );
        return def;
      })
    : object.fields;
  sendJson(res, 200, recordJson(record, route.version, fields), headers);
}

function query(
  state: EmulatorState,
  res: ServerResponse,
  route: Route,
  headers: Record<string, string>,
): void {
  const q = route.url.searchParams.get("q");
  if (q === null) throw err(400, "MALFORMED_QUERY", "A query string has to be specified");
  try {
    const result = runSoql(q, state.records, state.objects);
    const records = result.records.map((r) => recordJson(r, route.version, result.fields));
    sendJson(res, 200, { totalSize: records.length, done: true, records }, headers);
  } catch (e) {
    if (e instanceof SoqlError) throw err(400, e.errorCode, e.message);
    throw e;
  }
}

type Target =
  | "create"
  | "get"
  | "query"
  | "describe"
  | "update"
  | "upsert"
  | "collection-create"
  | "collection-upsert";

function classify(method: string, rest: string[]): Target | "global" | "limits" | "resources" | null {
  const [resource, object, third] = rest;
  if (resource === undefined) return method === "GET" ? "resources" : null;
  if (resource === "composite" && object === "sobjects") {
    if (rest.length === 2 && method === "POST") return "collection-create";
    if (rest.length === 4 && method === "PATCH") return "collection-upsert";
    return null;
  }
  if (resource === "query" && rest.length === 1 && method === "GET") return "query";
  if (resource === "limits" && rest.length === 1 && method === "GET") return "limits";
  if (resource !== "sobjects") return null;
  if (object === undefined) return method === "GET" ? "global" : null;
  if (third === undefined) return method === "POST" ? "create" : null;
  if (rest.length === 3 && method === "GET") return third === "describe" ? "describe" : "get";
  if (rest.length === 4 && method === "GET") return "get";
  if (rest.length === 3 && method === "PATCH" && third !== "describe") return "update";
  if (rest.length === 4 && method === "PATCH") return "upsert";
  return null;
}

async function dispatch(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  serverOrigin: string,
): Promise<void> {
  const method = req.method ?? "GET";
  const target = classify(method, route.rest);
  if (target === "create") state.createRequests += 1;
  authenticate(state, req, serverOrigin);
  const endpoint = target ?? "other";
  state.apiCalls[endpoint] = (state.apiCalls[endpoint] ?? 0) + 1;
  if (state.isApiDisabled) {
    throw err(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.");
  }
  state.apiUsage += 1;
  const headers = { "Sforce-Limit-Info": `api-usage=${state.apiUsage}/${state.apiLimit}` };
  if (state.apiUsage > state.apiLimit) {
    throw new ApiFailure(403, [
      { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
    ]);
  }
  // sObject Collections came in 42.0, their upsert in 46.0: an older version has no such resource.
  const major = Number(route.version.split(".")[0]);
  if ((target === "collection-create" && major < 42) || (target === "collection-upsert" && major < 46)) {
    throw NOT_FOUND();
  }
  // A collection request creates records: `create` faults (and holds) apply to it too.
  const faultTarget = target === "collection-create" || target === "collection-upsert" ? "create" : target;
  const fault =
    faultTarget && faultTarget !== "global" && faultTarget !== "limits" && faultTarget !== "resources"
      ? takeFault(state, faultTarget)
      : undefined;
  if (fault) return sendRaw(res, fault.status, fault.body, fault.contentType, headers);
  const base = `/services/data/v${route.version}`;
  switch (target) {
    case "create":
      return createRecord(state, req, res, route, headers);
    case "collection-create":
      return handleCollection(state, req, res, null, headers);
    case "collection-upsert":
      return handleCollection(
        state,
        req,
        res,
        { type: route.rest[2] ?? "", keyField: route.rest[3] ?? "" },
        headers,
      );
    case "get":
      return getRecord(state, res, route, headers);
    case "update":
      return updateRecord(state, req, res, route.rest, route.version, headers);
    case "upsert":
      return upsertRecord(state, req, res, route.rest, route.version, headers);
    case "query":
      return query(state, res, route, headers);
    case "describe": {
      const object = findObject(route.rest[1] ?? "", state.objects);
      if (!object) throw NOT_FOUND();
      return sendJson(res, 200, describeObject(object, route.version), headers);
    }
    case "global":
      return sendJson(
        res,
        200,
        {
          encoding: "UTF-8",
          maxBatchSize: 200,
          sobjects: state.objects.map((o) => describeGlobalEntry(o, route.version)),
        },
        headers,
      );
    case "limits":
      return sendJson(
        res,
        200,
        {
          DailyApiRequests: { Max: state.apiLimit, Remaining: Math.max(0, state.apiLimit - state.apiUsage) },
        },
        headers,
      );
    case "resources":
      return sendJson(
        res,
        200,
        { sobjects: `${base}/sobjects`, query: `${base}/query`, limits: `${base}/limits` },
        headers,
      );
    default:
      throw NOT_FOUND();
  }
}

/** Handles every path under `/services/data`. */
export async function handleData(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  serverOrigin: string,
): Promise<void> {
  const parts = url.pathname.split("/").filter(Boolean).slice(2);
  if (parts.length === 0) return sendJson(res, 200, versions());
  const match = /^v(\d+)\.(\d)$/.exec(parts[0] ?? "");
  try {
    if (!match) throw NOT_FOUND();
    const major = Number(match[1]);
    // Retired versions answer 410 GONE (§0); the exact body is unverified.
    if (major < OLDEST_SUPPORTED)
      throw err(410, "API_VERSION_RETIRED", `API version ${major}.0 has been retired.`);
    if (major > LATEST) throw NOT_FOUND();
    await dispatch(
      state,
      req,
      res,
      { version: `${match[1]}.${match[2]}`, rest: parts.slice(1), url },
      serverOrigin,
    );
  } catch (e) {
    if (!(e instanceof ApiFailure)) throw e;
    const headers: Record<string, string> =
      e.status === 401 ? {} : { "Sforce-Limit-Info": `api-usage=${state.apiUsage}/${state.apiLimit}` };
    sendJson(res, e.status, e.errors, headers);
  }
}
