import { type FieldDef, OBJECTS, type ObjectDef } from "./metadata.js";

/**
 * The optional one-field setup Tern's exact mode uses: a custom Text(255) field `Tern_Key__c`
 * marked External ID and Unique on Lead and Case. An external id field can key an upsert
 * (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html);
 * Unique makes a second record with the same key impossible. Matching is case-insensitive
 * unless the field is "Unique, case sensitive" (reference/salesforce.md §2.3).
 */
export const TERN_KEY_FIELD = "Tern_Key__c";

const ternKey: FieldDef = {
  name: TERN_KEY_FIELD,
  label: "Tern Key",
  type: "string",
  length: 255,
  nillable: true,
  createable: true,
  updateable: true,
  restrictedPicklist: false,
  defaultedOnCreate: false,
  filterable: true,
  defaultValue: null,
  picklistValues: [],
  referenceTo: [],
  externalId: true,
  unique: true,
  custom: true,
};

const WITH_KEY = new Set(["Lead", "Case"]);

/** The org's schema: the standard objects, with Tern_Key__c on Lead and Case when asked for. */
export function orgObjects(hasTernKey: boolean): ReadonlyArray<ObjectDef> {
  if (!hasTernKey) return OBJECTS;
  return OBJECTS.map((o) => (WITH_KEY.has(o.name) ? { ...o, fields: [...o.fields, ternKey] } : o));
}
