import type { IncomingMessage, ServerResponse } from "node:http";
import { checkDuplicates, headerAllowsSave } from "./duplicate-rules.js";
import { readBody, sendJson } from "./http.js";
import { canonicalId } from "./ids.js";
import { findField, findObject, type ObjectDef } from "./metadata.js";
import { ApiFailure, checkValue, coerce, commitRecord, fail, validateCreate } from "./records.js";
import type { EmulatorState, StoredRecord } from "./state.js";

/**
 * Update and upsert of one record (reference §2.3,
 * https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html):
 * - `PATCH /sobjects/{Object}/{id}` → 204; unknown id → 404 NOT_FOUND; a read-only field →
 *   400 INVALID_FIELD_FOR_INSERT_UPDATE;
 * - `PATCH /sobjects/{Object}/{ExtIdField}/{value}` → 201 `{id, success, errors, created: true}`
 *   when nothing matches, 200 `{…, created: false}` for one match, 300 with the matching record
 *   URLs for several; a field that is not an External ID → 404 NOT_FOUND.
 * Duplicate rules apply to both (duplicate-rules.ts).
 */
const notFound = () =>
  new ApiFailure(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

async function jsonObject(req: IncomingMessage, object: ObjectDef): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw fail("JSON_PARSER_ERROR", `Unexpected character in request body: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw fail(
      "JSON_PARSER_ERROR",
      `Cannot deserialize instance of ${object.name} from ${Array.isArray(body) ? "START_ARRAY" : "VALUE_STRING"} value`,
    );
  }
  return body as Record<string, unknown>;
}

/** Field values an update may write, canonicalised; throws what Salesforce answers otherwise. */
export function validateUpdate(object: ObjectDef, body: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(body)) {
    if (name === "attributes") continue;
    if (name.toLowerCase() === "id") {
      throw fail("INVALID_FIELD", "The Id field should not be specified in the sobject data.");
    }
    const def = findField(object, name);
    if (!def) throw fail("INVALID_FIELD", `No such column '${name}' on sobject of type ${object.name}`);
    if (!(def.updateable ?? def.createable)) {
      throw fail(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        `Unable to create/update fields: ${def.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [def.name],
      );
    }
    const value = coerce(def, raw);
    if (value === null && !def.nillable) {
      throw fail("REQUIRED_FIELD_MISSING", `Required fields are missing: [${def.name}]`, [def.name]);
    }
    checkValue(def, value);
    values[def.name] = value;
  }
  return values;
}

function applyUpdate(
  state: EmulatorState,
  record: StoredRecord,
  values: Record<string, unknown>,
  req: IncomingMessage,
  version: string,
) {
  checkDuplicates(
    state,
    record.object,
    { ...record.fields, ...values },
    {
      isAllowSave: headerAllowsSave(req),
      version,
      selfId: record.id,
    },
  );
  const now = state.clock.now();
  Object.assign(record.fields, values, { LastModifiedDate: now, SystemModstamp: now });
  if (findField(record.object, "Name") && !findField(record.object, "Name")?.createable) {
    record.fields.Name = [record.fields.FirstName, record.fields.LastName].filter(Boolean).join(" ");
  }
}

export async function updateRecord(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  version: string,
  headers: Record<string, string>,
): Promise<void> {
  const object = findObject(rest[1] ?? "", state.objects);
  if (!object) throw notFound();
  const id = canonicalId(rest[2] ?? "");
  const record = state.records.find((r) => r.object === object && r.id === id);
  if (!record) throw notFound();
  const values = validateUpdate(object, await jsonObject(req, object));
  applyUpdate(state, record, values, req, version);
  res.writeHead(204, headers);
  res.end();
}

/**
 * Records whose External ID `fieldName` equals the path segment `segment`, case-insensitively
 * (§2.3). Also serves `GET /sobjects/{Object}/{ExtIdField}/{value}` ("Retrieve a Record Using an
 * External ID", https://developer.salesforce.com/docs/platform/api-rest/guide/using-resources-retrieve-with-externalid.html).
 * Not an External ID field (or no such object) → 404 NOT_FOUND.
 */
export function recordsByExternalId(
  state: EmulatorState,
  object: ObjectDef | undefined,
  fieldName: string,
  segment: string,
): StoredRecord[] {
  const field = object && findField(object, fieldName);
  if (!object || !field?.externalId) throw notFound();
  const wanted = decodedSegment(segment).trim().toLowerCase();
  return state.records.filter(
    (r) => r.object === object && String(r.fields[field.name] ?? "").toLowerCase() === wanted,
  );
}

export async function upsertRecord(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  version: string,
  headers: Record<string, string>,
): Promise<void> {
  const object = findObject(rest[1] ?? "", state.objects);
  const found = recordsByExternalId(state, object, rest[2] ?? "", rest[3] ?? "");
  const field = object && findField(object, rest[2] ?? "");
  if (!object || !field) throw notFound();
  const key = decodedSegment(rest[3] ?? "").trim();
  const body = await jsonObject(req, object);
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  if (found.length > 1) {
    return sendJson(
      res,
      300,
      found.map((r) => `${base}/${r.id}`),
      headers,
    );
  }
  const existing = found[0];
  if (existing) {
    applyUpdate(state, existing, validateUpdate(object, body), req, version);
    return sendJson(res, 200, { id: existing.id, success: true, errors: [], created: false }, headers);
  }
  const values = validateCreate(object, { ...body, [field.name]: key });
  checkDuplicates(state, object, values, { isAllowSave: headerAllowsSave(req), version });
  const record = commitRecord(state, object, values);
  sendJson(
    res,
    201,
    { id: record.id, success: true, errors: [], created: true },
    { ...headers, Location: `${base}/${record.id}` },
  );
}
