import { canonicalId } from "./ids.js";
import { type FieldDef, findField, findObject, type ObjectDef } from "./metadata.js";
import {
  type Condition,
  type Ident,
  type Literal,
  parseSoql,
  SoqlError,
  soqlErrorText,
} from "./soql-parser.js";
import type { StoredRecord } from "./state.js";

/**
 * Runs a parsed SOQL query against the emulator's records, with Salesforce's semantic errors:
 * unknown object → INVALID_TYPE, unknown or unfilterable field / wrongly typed literal → INVALID_FIELD
 * (messages per reference/salesforce.md §3).
 */
const STRING_TYPES = new Set(["id", "string", "textarea", "email", "phone", "url", "picklist", "reference"]);

export interface QueryResult {
  object: ObjectDef;
  fields: FieldDef[];
  records: StoredRecord[];
}

function resolveField(text: string, object: ObjectDef, ident: Ident): FieldDef {
  const def = ident.name.includes(".") ? undefined : findField(object, ident.name);
  if (def) return def;
  throw new SoqlError(
    "INVALID_FIELD",
    soqlErrorText(
      text,
      ident.pos,
      `No such column '${ident.name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

/** The literal kind a field accepts, and how Salesforce names it in the error. */
function expectedLiteral(def: FieldDef): { kind: Literal["kind"]; label: string; isQuoted: boolean } {
  if (STRING_TYPES.has(def.type)) return { kind: "string", label: "string", isQuoted: true };
  if (def.type === "datetime") return { kind: "datetime", label: "dateTime", isQuoted: false };
  if (def.type === "date") return { kind: "date", label: "date", isQuoted: false };
  if (def.type === "boolean") return { kind: "boolean", label: "boolean", isQuoted: false };
  return { kind: "number", label: def.type === "int" ? "integer" : "double", isQuoted: false };
}

function checkLiteral(text: string, def: FieldDef, value: Literal, pos: number): void {
  const expected = expectedLiteral(def);
  if (value.kind === "null" || value.kind === expected.kind) return;
  const quoting = expected.isQuoted ? "should be enclosed in quotes" : "should not be enclosed in quotes";
  throw new SoqlError(
    "INVALID_FIELD",
    soqlErrorText(
      text,
      pos,
      `value of filter criterion for field '${def.name}' must be of type ${expected.label} and ${quoting}`,
    ),
  );
}

/** Comparable form of a stored value or literal: strings case-insensitive, ids canonical. */
function comparable(def: FieldDef, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (def.type === "id" || def.type === "reference") {
    const s = String(value);
    return (canonicalId(s) ?? s).toLowerCase();
  }
  if (typeof value === "string") return value.toLowerCase();
  if (typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

function literalValue(value: Literal): unknown {
  return value.kind === "null" ? null : value.value;
}

function likeMatches(value: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("%", ".*")
    .replaceAll("_", ".");
  return new RegExp(`^${re}$`, "is").test(value);
}

function compare(
  op: string,
  left: ReturnType<typeof comparable>,
  right: ReturnType<typeof comparable>,
): boolean {
  if (op === "=") return left === right;
  if (op === "!=") return left !== right;
  if (left === null || right === null) return false;
  if (op === "LIKE") return likeMatches(String(left), String(right));
  if (op === "<") return left < right;
  if (op === "<=") return left <= right;
  if (op === ">") return left > right;
  return left >= right;
}

function compileCondition(text: string, object: ObjectDef, cond: Condition): (r: StoredRecord) => boolean {
  switch (cond.kind) {
    case "and":
    case "or": {
      const parts = cond.parts.map((p) => compileCondition(text, object, p));
      return cond.kind === "and" ? (r) => parts.every((p) => p(r)) : (r) => parts.some((p) => p(r));
    }
    case "not": {
      const inner = compileCondition(text, object, cond.inner);
      return (r) => !inner(r);
    }
    case "compare":
    case "in": {
      const def = resolveField(text, object, cond.field);
      if (!def.filterable) {
        throw new SoqlError(
          "INVALID_FIELD",
          soqlErrorText(text, cond.field.pos, `field '${def.name}' can not be filtered in query call`),
        );
      }
      if (cond.kind === "compare") {
        checkLiteral(text, def, cond.value, cond.valuePos);
        const right = comparable(def, literalValue(cond.value));
        return (r) => compare(cond.op, comparable(def, r.fields[def.name]), right);
      }
      for (const v of cond.values) checkLiteral(text, def, v.value, v.pos);
      const wanted = cond.values.map((v) => comparable(def, literalValue(v.value)));
      return (r) => wanted.includes(comparable(def, r.fields[def.name])) !== cond.isNegated;
    }
  }
}

export function runSoql(
  text: string,
  records: ReadonlyArray<StoredRecord>,
  objects?: ReadonlyArray<ObjectDef>,
): QueryResult {
  const query = parseSoql(text);
  const object = findObject(query.object.name, objects);
  if (!object) {
    throw new SoqlError(
      "INVALID_TYPE",
      soqlErrorText(
        text,
        query.object.pos,
        `sObject type '${query.object.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  const fields = query.fields.map((f) => resolveField(text, object, f));
  const where = query.where ? compileCondition(text, object, query.where) : () => true;
  let matches = records.filter((r) => r.object === object && where(r));
  if (query.orderBy) {
    const { isDescending, isNullsLast } = query.orderBy;
    const def = resolveField(text, object, query.orderBy.field);
    matches = [...matches].sort((a, b) => {
      const x = comparable(def, a.fields[def.name]);
      const y = comparable(def, b.fields[def.name]);
      if (x === y) return 0;
      if (x === null || y === null) return (x === null) === isNullsLast ? 1 : -1;
      return (x < y ? -1 : 1) * (isDescending ? -1 : 1);
    });
  }
  if (query.limit !== null) matches = matches.slice(0, query.limit);
  return { object, fields, records: matches };
}
