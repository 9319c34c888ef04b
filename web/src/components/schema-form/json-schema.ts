/** The part of JSON Schema (2020-12, as zod's toJSONSchema writes it) the form generator reads. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export type FormValue = Record<string, unknown>;

/** `phoneNumberId` → "Phone number id"; a schema's own title wins. */
export function labelOf(key: string, schema: JsonSchema): string {
  if (schema.title) return schema.title;
  const words = key
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  return schema.type;
}

/** The variants of a `oneOf`/`anyOf` of objects (a discriminated union), if the schema is one. */
export function variantsOf(schema: JsonSchema): JsonSchema[] | null {
  const list = schema.oneOf ?? schema.anyOf;
  if (!list?.length || !list.every((v) => typeOf(v) === "object" && v.properties)) return null;
  return list;
}

/** The key whose `const` tells the variants apart (e.g. `auth: "bearer" | "basic"`). */
export function discriminatorOf(variants: JsonSchema[]): string | null {
  const first = variants[0]?.properties ?? {};
  for (const key of Object.keys(first)) {
    if (variants.every((v) => v.properties?.[key]?.const !== undefined)) return key;
  }
  return null;
}

/** Drops empty strings, empty arrays and empty objects, so the server's defaults apply. */
export function compact(value: FormValue): FormValue {
  const out: FormValue = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === "" || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const inner = compact(v as FormValue);
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    out[key] = v;
  }
  return out;
}
