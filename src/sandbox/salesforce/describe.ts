import type { FieldDef, ObjectDef } from "./metadata.js";

/**
 * `GET /sobjects/{Object}/describe` body. Field properties per reference/salesforce.md §2.4
 * (https://developer.salesforce.com/docs/platform/object-reference/guide/access-for-fields.html).
 */
function describeField(def: FieldDef) {
  const isText = ["string", "textarea", "email", "phone", "url", "picklist", "id", "reference"].includes(
    def.type,
  );
  return {
    name: def.name,
    label: def.label,
    type: def.type === "int" ? "int" : def.type,
    soapType: isText
      ? def.type === "id" || def.type === "reference"
        ? "tns:ID"
        : "xsd:string"
      : `xsd:${def.type}`,
    length: isText ? def.length : 0,
    byteLength: isText ? def.length * 3 : 0,
    precision: def.type === "currency" ? 18 : 0,
    scale: def.type === "currency" ? 2 : 0,
    digits: def.type === "int" ? 8 : 0,
    nillable: def.nillable,
    createable: def.createable,
    updateable: def.updateable,
    defaultedOnCreate: def.defaultedOnCreate,
    defaultValue: def.defaultValue,
    filterable: def.filterable,
    sortable: def.filterable,
    groupable: def.filterable && def.type !== "datetime",
    custom: def.custom ?? def.name.endsWith("__c"),
    externalId: def.externalId ?? false,
    idLookup: def.type === "id" || def.name === "Email" || def.externalId === true,
    unique: def.unique ?? false,
    caseSensitive: false,
    calculated: false,
    autoNumber: def.name === "CaseNumber",
    encrypted: false,
    nameField: def.name === "Name",
    restrictedPicklist: def.restrictedPicklist,
    dependentPicklist: false,
    htmlFormatted: false,
    referenceTo: def.referenceTo,
    relationshipName: def.type === "reference" ? def.name.replace(/Id$/, "") : null,
    picklistValues: def.picklistValues.map((value) => ({
      active: true,
      defaultValue: value === def.defaultValue,
      label: value,
      validFor: null,
      value,
    })),
  };
}

export function describeObject(object: ObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  return {
    name: object.name,
    label: object.label,
    labelPlural: object.labelPlural,
    keyPrefix: object.keyPrefix,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    searchable: true,
    retrieveable: true,
    fields: object.fields.map(describeField),
    recordTypeInfos: [
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        master: true,
        name: "Master",
        developerName: "Master",
        recordTypeId: "012000000000000AAA",
        urls: { layout: `${base}/describe/layouts/012000000000000AAA` },
      },
    ],
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

export function describeGlobalEntry(object: ObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  // The describeGlobal entry's properties as Salesforce lists them (alphabetical, like the org):
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: true,
    custom: false,
    customSetting: false,
    deepCloneable: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: object.keyPrefix,
    label: object.label,
    labelPlural: object.labelPlural,
    layoutable: true,
    mergeable: object.name === "Lead",
    mruEnabled: true,
    name: object.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}
