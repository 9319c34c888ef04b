import type { DesignIssue } from "../../../flows/step.js";
import { isTemplate } from "../../../flows/template.js";
import type { CheckedField, MappingOperation } from "./mapping-check.js";

/**
 * Literal values of a mapping against the field's describe: the type (JSON_PARSER_ERROR at run
 * time), restricted picklists (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST), length (STRING_TOO_LONG),
 * emails, and emptying a required field. Templates are only known at run time and pass here.
 */
const issue = (path: DesignIssue["path"], message: string, field: string): DesignIssue => ({
  level: "error",
  path,
  message,
  field,
});

const TEXT = new Set([
  "string",
  "textarea",
  "phone",
  "email",
  "url",
  "picklist",
  "multipicklist",
  "combobox",
  "encryptedstring",
  "id",
  "reference",
]);
const NUMBER = new Set(["int", "long", "double", "currency", "percent"]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks a literal value (templates are rendered, normalised and cut to length at run time). */
export function literalProblems(
  field: CheckedField,
  key: string,
  value: unknown,
  operation: MappingOperation,
): DesignIssue[] {
  if (typeof value === "string" && isTemplate(value)) return [];
  const path = ["fields", key];
  const at = (message: string) => [issue(path, `${field.name}: ${message}`, field.name)];
  const isEmpty = value === null || (typeof value === "string" && value.trim() === "");
  if (isEmpty) {
    // Salesforce stores "" as null; a required field cannot be cleared.
    if (operation !== "create" && !field.nillable && (field.updateable ?? field.createable))
      return at("is required and cannot be emptied; map a value or remove it from the mapping.");
    return [];
  }
  const type = field.type;
  if (type === "boolean") {
    if (typeof value === "boolean") return [];
    return at(`is a checkbox: write true or false without quotes, not ${JSON.stringify(value)}.`);
  }
  if (NUMBER.has(type)) {
    if (typeof value === "number" || (typeof value === "string" && Number.isFinite(Number(value.trim()))))
      return [];
    return at(`is a number (${type}): ${JSON.stringify(value)} is not one; write digits such as 42 or 9.5.`);
  }
  if (type === "date" || type === "datetime") {
    const pattern = type === "date" ? DATE : DATETIME;
    const example = type === "date" ? "2026-01-31" : "2026-01-31T09:30:00Z";
    if (typeof value === "string" && pattern.test(value.trim())) return [];
    return at(`is a ${type}: write it as ${example}, not ${JSON.stringify(value)}.`);
  }
  if (!TEXT.has(type)) return [];
  const text = String(value).trim();
  if (type === "email" && !EMAIL.test(text)) return at(`${JSON.stringify(text)} is not an email address.`);
  const picklist = picklistProblem(field, text);
  if (picklist) return at(picklist);
  const length = [...text].length;
  if (field.length > 0 && length > field.length)
    return at(`the value has ${length} characters; the field holds ${field.length}. Shorten it.`);
  return [];
}

function picklistProblem(field: CheckedField, text: string): string | null {
  if (!field.restrictedPicklist || (field.type !== "picklist" && field.type !== "multipicklist")) return null;
  const allowed = (field.picklistValues ?? []).filter((p) => p.active).map((p) => p.value);
  const values = field.type === "multipicklist" ? text.split(";").map((v) => v.trim()) : [text];
  const bad = values.filter((v) => !allowed.includes(v));
  if (bad.length === 0) return null;
  const shown =
    allowed.length > 30
      ? `${allowed
          .slice(0, 30)
          .map((v) => JSON.stringify(v))
          .join(", ")}, …`
      : allowed.map((v) => JSON.stringify(v)).join(", ");
  return `${bad.map((v) => JSON.stringify(v)).join(", ")} is not one of the picklist's values, and the picklist is restricted. Use one of: ${shown} (or ask the admin to add the value).`;
}
