import { keepNewest } from "../bounded.js";
import type { FieldDef, ObjectDef } from "./metadata.js";
import { findField, isRequiredOnCreate } from "./metadata.js";
import type { EmulatorState, StoredRecord } from "./state.js";

/**
 * Create validation and record shapes. Error codes and messages follow reference/salesforce.md §2.3 and §3.
 * The REST API treats "" as null and trims surrounding whitespace of text values.
 */
export interface ApiError {
  errorCode: string;
  message: string;
  fields?: string[];
  /** DUPLICATES_DETECTED carries the matching records (duplicate-rules.ts). */
  duplicateResult?: unknown;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors[0]?.message ?? "error");
  }
}

export const fail = (errorCode: string, message: string, fields?: string[]) =>
  new ApiFailure(400, [fields ? { message, errorCode, fields } : { message, errorCode }]);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function coerce(def: FieldDef, value: unknown): unknown {
  if (value === null) return null;
  if (typeof value === "object") {
    throw fail(
      "JSON_PARSER_ERROR",
      `Cannot deserialize instance of ${def.type} from ${Array.isArray(value) ? "START_ARRAY" : "START_OBJECT"} value for field ${def.name}`,
    );
  }
  switch (def.type) {
    case "boolean":
      if (typeof value !== "boolean") {
        throw fail(
          "JSON_PARSER_ERROR",
          `Cannot deserialize instance of boolean from VALUE_STRING value ${String(value)}`,
        );
      }
      return value;
    case "int":
    case "currency": {
      const n = typeof value === "number" ? value : Number(String(value).trim());
      if (!Number.isFinite(n)) {
        throw fail(
          "JSON_PARSER_ERROR",
          `Cannot deserialize instance of ${def.type} from VALUE_STRING value ${String(value)}`,
        );
      }
      return n;
    }
    default: {
      const text = String(value).trim();
      return text === "" ? null : text;
    }
  }
}

export function checkValue(def: FieldDef, value: unknown): void {
  if (typeof value !== "string") return;
  if (def.type === "email" && !EMAIL.test(value)) {
    throw fail("INVALID_EMAIL_ADDRESS", `${def.label}: invalid email address: ${value}`, [def.name]);
  }
  // A restricted picklist takes only its values (reference §3; the Lead Status the org defines).
  if (def.restrictedPicklist && !def.picklistValues.includes(value)) {
    throw fail(
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      `${def.label}: bad value for restricted picklist field: ${value}`,
      [def.name],
    );
  }
  // An emoji (a surrogate pair) counts as two characters: https://help.salesforce.com/s/articleView?id=005166849
  if (def.length > 0 && value.length > def.length) {
    throw fail("STRING_TOO_LONG", `${def.label}: data value too large: ${value} (max length=${def.length})`, [
      def.name,
    ]);
  }
}

/** Turns a create body into canonical field values, or throws the error Salesforce would answer. */
export function validateCreate(object: ObjectDef, body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw fail(
      "JSON_PARSER_ERROR",
      `Cannot deserialize instance of ${object.name} from ${Array.isArray(body) ? "START_ARRAY" : "VALUE_STRING"} value`,
    );
  }
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(body)) {
    if (name === "attributes") continue;
    if (name.toLowerCase() === "id") {
      throw fail("INVALID_FIELD", "The Id field should not be specified in the sobject data.");
    }
    const def = findField(object, name);
    if (!def) throw fail("INVALID_FIELD", `No such column '${name}' on sobject of type ${object.name}`);
    if (!def.createable) {
      throw fail(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        `Unable to create/update fields: ${def.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [def.name],
      );
    }
    values[def.name] = coerce(def, raw);
  }
  const missing = object.fields.filter((f) => isRequiredOnCreate(f) && (values[f.name] ?? null) === null);
  if (missing.length > 0) {
    const names = missing.map((f) => f.name);
    throw fail("REQUIRED_FIELD_MISSING", `Required fields are missing: [${names.join(", ")}]`, names);
  }
  for (const def of object.fields) checkValue(def, values[def.name]);
  return values;
}

/** Adds system fields and defaults, stores the record. */
export function commitRecord(
  state: EmulatorState,
  object: ObjectDef,
  values: Record<string, unknown>,
): StoredRecord {
  const now = state.clock.now();
  const id = state.newId(object.keyPrefix);
  const fields: Record<string, unknown> = {};
  for (const def of object.fields) {
    fields[def.name] = values[def.name] ?? (def.defaultedOnCreate ? def.defaultValue : null);
  }
  Object.assign(fields, {
    Id: id,
    OwnerId: values.OwnerId ?? state.user.id,
    CreatedById: state.user.id,
    CreatedDate: now,
    LastModifiedDate: now,
    SystemModstamp: now,
  });
  if (findField(object, "Name") && !findField(object, "Name")?.createable) {
    fields.Name = [fields.FirstName, fields.LastName].filter(Boolean).join(" ");
  }
  if (findField(object, "CaseNumber")) {
    const number = (state.autonumbers.get(object.name) ?? 1000) + 1;
    state.autonumbers.set(object.name, number);
    fields.CaseNumber = String(number).padStart(8, "0");
  }
  const record: StoredRecord = { object, id, createdAt: now, fields };
  state.records.push(record);
  keepNewest(state.records, state.maxRecords);
  return record;
}

/** Salesforce's datetime wire format: `2026-01-15T10:20:30.000+0000`. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

export function wireValue(def: FieldDef, value: unknown): unknown {
  if (def.type === "datetime" && typeof value === "number") return formatDatetime(value);
  return value ?? null;
}

export function recordJson(
  record: StoredRecord,
  version: string,
  fields: ReadonlyArray<FieldDef> = record.object.fields,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: {
      type: record.object.name,
      url: `/services/data/v${version}/sobjects/${record.object.name}/${record.id}`,
    },
  };
  for (const def of fields) out[def.name] = wireValue(def, record.fields[def.name]);
  return out;
}
