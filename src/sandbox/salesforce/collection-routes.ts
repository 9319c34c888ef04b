import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "./http.js";
import { findField, findObject, type ObjectDef } from "./metadata.js";
import { type ApiError, ApiFailure, commitRecord, validateCreate } from "./records.js";
import type { EmulatorState, StoredRecord } from "./state.js";

/**
 * sObject Collections (reference/salesforce.md §2.7):
 * `POST /composite/sobjects` creates up to 200 records, mixed types allowed;
 * `PATCH /composite/sobjects/{Type}/{ExtIdField}` upserts up to 200 records of one type by an
 * external id field (v46+, results carry `created`).
 * https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-create.html
 * https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
 * A malformed request is a 400 with the usual error array; a well-formed one is a 200 with one
 * SaveResult per record in input order, whose errors carry `statusCode` (not `errorCode`).
 */
const MAX_RECORDS = 200;

interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}
type SaveResult =
  | { id: string; success: true; errors: []; created?: boolean }
  | { success: false; errors: SaveError[] };

/** A record that passed validation, waiting for the commit phase. */
type Staged =
  | { kind: "insert"; object: ObjectDef; values: Record<string, unknown> }
  | { kind: "update"; record: StoredRecord; values: Record<string, unknown> }
  | { kind: "error"; errors: SaveError[] };

const malformed = (errorCode: string, message: string) => new ApiFailure(400, [{ message, errorCode }]);

const toSaveErrors = (errors: ReadonlyArray<ApiError>): SaveError[] =>
  errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] }));

/** Parses `{allOrNone?, records: [...]}`; anything else is the 400 Salesforce gives a malformed request. */
function parseRequest(text: string): { allOrNone: boolean; records: Array<Record<string, unknown>> } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw malformed("JSON_PARSER_ERROR", `Unexpected character in request body: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw malformed("JSON_PARSER_ERROR", "Cannot deserialize the request: expected an object with records");
  }
  const { allOrNone = false, records } = body as { allOrNone?: unknown; records?: unknown };
  if (typeof allOrNone !== "boolean") {
    throw malformed("JSON_PARSER_ERROR", "Cannot deserialize instance of boolean for allOrNone");
  }
  if (!Array.isArray(records)) throw malformed("INVALID_FIELD", "records is required and must be a list");
  // Wording observed from real orgs (e.g. sorenkrabbe/Chrome-Salesforce-inspector#134).
  if (records.length > MAX_RECORDS) {
    throw malformed(
      "EXCEEDED_ID_LIMIT",
      `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
    );
  }
  for (const record of records) {
    const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
    if (record === null || typeof record !== "object" || Array.isArray(record) || typeof type !== "string") {
      throw malformed(
        "INVALID_TYPE",
        'Each record needs an attributes map with a type, e.g. {"type":"Lead"}',
      );
    }
  }
  return { allOrNone, records: records as Array<Record<string, unknown>> };
}

function stageInsert(state: EmulatorState, raw: Record<string, unknown>): Staged {
  const type = String((raw.attributes as { type: string }).type);
  const object = findObject(type, state.objects);
  if (!object) {
    return {
      kind: "error",
      errors: [
        { statusCode: "INVALID_TYPE", message: `sObject type '${type}' is not supported.`, fields: [] },
      ],
    };
  }
  try {
    return { kind: "insert", object, values: validateCreate(object, raw) };
  } catch (e) {
    // A value its field's type cannot take fails deserializing the request body itself: on a real
    // org the whole collection is a 400, not one SaveResult ("If the request isn't well formed,
    // the API returns a 400 Bad Request"; resources-composite-sobjects-collections-create).
    if (e instanceof ApiFailure && e.errors.some((x) => x.errorCode === "JSON_PARSER_ERROR")) throw e;
    if (e instanceof ApiFailure) return { kind: "error", errors: toSaveErrors(e.errors) };
    throw e;
  }
}

function stageUpsert(
  state: EmulatorState,
  object: ObjectDef,
  keyField: string,
  raw: Record<string, unknown>,
  seen: Map<string, number>,
): Staged {
  const key = Object.entries(raw).find(([name]) => name.toLowerCase() === keyField.toLowerCase())?.[1];
  if (typeof key !== "string" || key.trim() === "") {
    // Wording unverified against a real org.
    return {
      kind: "error",
      errors: [{ statusCode: "MISSING_ARGUMENT", message: `${keyField} not specified`, fields: [] }],
    };
  }
  if ((seen.get(key.toLowerCase()) ?? 0) > 1) {
    return {
      kind: "error",
      errors: [
        {
          statusCode: "DUPLICATE_VALUE",
          message: `Duplicate external id specified: ${key}`,
          fields: [keyField],
        },
      ],
    };
  }
  const staged = stageInsert(state, raw);
  if (staged.kind !== "insert") return staged;
  // External id matching is case-insensitive unless the field is "Unique, case sensitive".
  const wanted = key.trim().toLowerCase();
  const existing = state.records.find(
    (r) => r.object.name === object.name && String(r.fields[keyField] ?? "").toLowerCase() === wanted,
  );
  return existing ? { kind: "update", record: existing, values: staged.values } : staged;
}

function commit(state: EmulatorState, staged: Staged[]): { results: SaveResult[]; records: StoredRecord[] } {
  const records: StoredRecord[] = [];
  const results = staged.map((s): SaveResult => {
    if (s.kind === "error") return { success: false, errors: s.errors };
    if (s.kind === "update") {
      const now = state.clock.now();
      Object.assign(s.record.fields, s.values, { LastModifiedDate: now, SystemModstamp: now });
      return { id: s.record.id, success: true, errors: [], created: false };
    }
    const record = commitRecord(state, s.object, s.values);
    records.push(record);
    return { id: record.id, success: true, errors: [], created: true };
  });
  return { results, records };
}

/** allOrNone: every record that would have been saved is rolled back with this error (§2.7). */
const ROLLED_BACK: SaveResult = {
  success: false,
  errors: [
    {
      statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
      message:
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
      fields: [],
    },
  ],
};

const withoutId = ({ id: _, ...rest }: { id?: string }) => rest;

/** `POST /composite/sobjects` and `PATCH /composite/sobjects/{Type}/{ExtIdField}`. */
export async function handleCollection(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  upsert: { type: string; keyField: string } | null,
  headers: Record<string, string>,
): Promise<void> {
  let object: ObjectDef | undefined;
  if (upsert) {
    object = findObject(upsert.type, state.objects);
    const keyDef = object ? findField(object, upsert.keyField) : undefined;
    // An unknown object or a field that isn't an external id: NOT_FOUND, as for a single upsert (§2.3).
    if (!object || !keyDef || !(keyDef.externalId || keyDef.name === "Id")) {
      throw new ApiFailure(404, [
        { errorCode: "NOT_FOUND", message: "The requested resource does not exist" },
      ]);
    }
  }
  const { allOrNone, records } = parseRequest(await readBody(req));
  let staged: Staged[];
  if (upsert && object) {
    const target = object;
    const keyField = findField(target, upsert.keyField)?.name ?? upsert.keyField;
    for (const raw of records) {
      const type = String((raw.attributes as { type: string }).type);
      if (type.toLowerCase() !== target.name.toLowerCase()) {
        throw malformed(
          "INVALID_TYPE",
          `This request can only upsert records of type ${target.name}, not ${type}.`,
        );
      }
    }
    const seen = new Map<string, number>();
    for (const raw of records) {
      const key = raw[keyField] ?? raw[upsert.keyField];
      if (typeof key === "string") seen.set(key.toLowerCase(), (seen.get(key.toLowerCase()) ?? 0) + 1);
    }
    staged = records.map((raw) => stageUpsert(state, target, keyField, raw, seen));
  } else {
    staged = records.map((raw) => stageInsert(state, raw));
  }
  state.createRequests += records.length;
  const hasError = staged.some((s) => s.kind === "error");
  const { results, records: created } =
    allOrNone && hasError
      ? {
          results: staged.map((s) =>
            s.kind === "error" ? { success: false as const, errors: s.errors } : ROLLED_BACK,
          ),
          records: [],
        }
      : commit(state, staged);
  // POST results don't carry `created`; upsert results do (v46+).
  const body = upsert
    ? results
    : results.map((r) => (r.success ? { id: r.id, success: true, errors: [] } : r));
  const send = ({ withoutIds = false } = {}) =>
    sendJson(res, 200, withoutIds ? body.map((r) => (r.success ? withoutId(r) : r)) : body, headers);
  const { hold } = state;
  if (!hold.isActive || created.length === 0) return send();
  // Committed, answer withheld, as for a single create.
  hold.committed.push(...created);
  hold.held.push({ res, record: created[0] as StoredRecord, send });
  for (const wake of hold.waiters.splice(0)) wake();
}
