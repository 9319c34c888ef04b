/**
 * The emulated org's schema: Lead, Case, Contact, Account with the standard fields a flow
 * typically writes. Types, lengths and required-ness follow the Salesforce field reference
 * (reference/salesforce.md §4.1, §4.2); describe shape per §2.4.
 */
export type FieldType =
  | "id"
  | "string"
  | "textarea"
  | "email"
  | "phone"
  | "url"
  | "picklist"
  | "reference"
  | "boolean"
  | "int"
  | "currency"
  | "datetime"
  | "date";

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  nillable: boolean;
  createable: boolean;
  /** Editable on an existing record; defaults to `createable` (Case Supplied* are create-only). */
  updateable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  /** Only the listed values are accepted (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST otherwise). */
  restrictedPicklist: boolean;
  defaultValue: string | boolean | null;
  picklistValues: ReadonlyArray<string>;
  referenceTo: ReadonlyArray<string>;
  /** Custom field (`__c`) marked External ID (upsert key) and Unique: see tern-key.ts. */
  externalId?: boolean;
  unique?: boolean;
  custom?: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: ReadonlyArray<FieldDef>;
}

type FieldSpec = Partial<FieldDef> & Pick<FieldDef, "name" | "label" | "type">;

const LENGTH_BY_TYPE: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 40,
  string: 255,
  textarea: 255,
};

function field(spec: FieldSpec): FieldDef {
  const length = spec.length ?? LENGTH_BY_TYPE[spec.type] ?? 0;
  return {
    length,
    nillable: true,
    createable: true,
    defaultedOnCreate: false,
    // Long text areas (> 255 chars) can't be used in a WHERE clause.
    filterable: !(spec.type === "textarea" && length > 255),
    defaultValue: null,
    picklistValues: [],
    referenceTo: [],
    restrictedPicklist: false,
    ...spec,
    updateable: spec.updateable ?? spec.createable ?? true,
  };
}

const system = (prefixLabel: string): FieldDef[] => [
  field({
    name: "Id",
    label: `${prefixLabel} ID`,
    type: "id",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
  }),
  field({
    name: "IsDeleted",
    label: "Deleted",
    type: "boolean",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
    defaultValue: false,
  }),
  field({
    name: "OwnerId",
    label: "Owner ID",
    type: "reference",
    nillable: false,
    defaultedOnCreate: true,
    referenceTo: ["User"],
  }),
  field({
    name: "CreatedDate",
    label: "Created Date",
    type: "datetime",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
  }),
  field({
    name: "CreatedById",
    label: "Created By ID",
    type: "reference",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
    referenceTo: ["User"],
  }),
  field({
    name: "LastModifiedDate",
    label: "Last Modified Date",
    type: "datetime",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
  }),
  field({
    name: "SystemModstamp",
    label: "System Modstamp",
    type: "datetime",
    nillable: false,
    createable: false,
    defaultedOnCreate: true,
  }),
];

const LEAD_STATUS = [
  "Open - Not Contacted",
  "Working - Contacted",
  "Closed - Converted",
  "Closed - Not Converted",
];
const LEAD_SOURCE = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other", "WhatsApp"];
const INDUSTRY = ["Agriculture", "Banking", "Consulting", "Education", "Retail", "Technology", "Other"];

const lead: ObjectDef = {
  name: "Lead",
  label: "Lead",
  labelPlural: "Leads",
  keyPrefix: "00Q",
  fields: [
    ...system("Lead"),
    field({ name: "FirstName", label: "First Name", type: "string", length: 40 }),
    // Required: createable && !nillable && !defaultedOnCreate (reference §2.4).
    field({ name: "LastName", label: "Last Name", type: "string", length: 80, nillable: false }),
    field({
      name: "Name",
      label: "Full Name",
      type: "string",
      length: 121,
      nillable: false,
      createable: false,
      defaultedOnCreate: false,
    }),
    field({ name: "Company", label: "Company", type: "string", length: 255, nillable: false }),
    field({ name: "Title", label: "Title", type: "string", length: 128 }),
    field({ name: "Email", label: "Email", type: "email" }),
    field({ name: "Phone", label: "Phone", type: "phone" }),
    field({ name: "MobilePhone", label: "Mobile Phone", type: "phone" }),
    field({ name: "Website", label: "Website", type: "url" }),
    field({ name: "Street", label: "Street", type: "textarea", length: 255 }),
    field({ name: "City", label: "City", type: "string", length: 40 }),
    field({ name: "State", label: "State/Province", type: "string", length: 80 }),
    field({ name: "PostalCode", label: "Zip/Postal Code", type: "string", length: 20 }),
    field({ name: "Country", label: "Country", type: "string", length: 80 }),
    field({ name: "Description", label: "Description", type: "textarea", length: 32000 }),
    // LeadSource is a normal (unrestricted) picklist: any value is accepted.
    field({ name: "LeadSource", label: "Lead Source", type: "picklist", picklistValues: LEAD_SOURCE }),
    field({
      name: "Status",
      label: "Status",
      type: "picklist",
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: "Open - Not Contacted",
      picklistValues: LEAD_STATUS,
      restrictedPicklist: true,
    }),
    field({ name: "Industry", label: "Industry", type: "picklist", picklistValues: INDUSTRY }),
    field({
      name: "Rating",
      label: "Rating",
      type: "picklist",
      picklistValues: ["Hot", "Warm", "Cold"],
      restrictedPicklist: true,
    }),
    field({ name: "NumberOfEmployees", label: "Employees", type: "int", length: 0 }),
    // A custom External ID field an admin might add, so upserts can be exercised (reference §2.3).
    field({ name: "WhatsApp_Id__c", label: "WhatsApp Id", type: "string", length: 40, externalId: true }),
    field({ name: "AnnualRevenue", label: "Annual Revenue", type: "currency", length: 0 }),
    field({
      name: "HasOptedOutOfEmail",
      label: "Email Opt Out",
      type: "boolean",
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: false,
    }),
    field({
      name: "IsConverted",
      label: "Converted",
      type: "boolean",
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: false,
    }),
  ],
};

const caseObject: ObjectDef = {
  name: "Case",
  label: "Case",
  labelPlural: "Cases",
  keyPrefix: "500",
  fields: [
    ...system("Case"),
    field({
      name: "CaseNumber",
      label: "Case Number",
      type: "string",
      length: 30,
      nillable: false,
      createable: false,
      defaultedOnCreate: true,
    }),
    field({ name: "Subject", label: "Subject", type: "string", length: 255 }),
    field({ name: "Description", label: "Description", type: "textarea", length: 32000 }),
    field({
      name: "Origin",
      label: "Case Origin",
      type: "picklist",
      picklistValues: ["Phone", "Email", "Web", "WhatsApp", "Viber"],
    }),
    field({
      name: "Status",
      label: "Status",
      type: "picklist",
      defaultedOnCreate: true,
      defaultValue: "New",
      picklistValues: ["New", "Working", "Escalated", "Closed"],
      restrictedPicklist: true,
    }),
    field({
      name: "Priority",
      label: "Priority",
      type: "picklist",
      defaultedOnCreate: true,
      defaultValue: "Medium",
      picklistValues: ["High", "Medium", "Low"],
      restrictedPicklist: true,
    }),
    field({
      name: "Reason",
      label: "Case Reason",
      type: "picklist",
      picklistValues: ["Installation", "Performance", "Breakdown", "Other"],
    }),
    field({
      name: "Type",
      label: "Case Type",
      type: "picklist",
      picklistValues: ["Question", "Problem", "Feature Request"],
    }),
    // SuppliedName/SuppliedPhone lengths are unverified (reference §4.2): 80/40 assumed.
    // Supplied* can't be updated after create (reference §4.2).
    field({ name: "SuppliedName", label: "Web Name", type: "string", length: 80, updateable: false }),
    field({ name: "SuppliedEmail", label: "Web Email", type: "email", updateable: false }),
    field({ name: "SuppliedPhone", label: "Web Phone", type: "string", length: 40, updateable: false }),
    field({ name: "SuppliedCompany", label: "Web Company", type: "string", length: 80, updateable: false }),
    field({ name: "ContactId", label: "Contact ID", type: "reference", referenceTo: ["Contact"] }),
    field({ name: "AccountId", label: "Account ID", type: "reference", referenceTo: ["Account"] }),
    field({ name: "Comments", label: "Internal Comments", type: "textarea", length: 4000 }),
  ],
};

const contact: ObjectDef = {
  name: "Contact",
  label: "Contact",
  labelPlural: "Contacts",
  keyPrefix: "003",
  fields: [
    ...system("Contact"),
    field({ name: "FirstName", label: "First Name", type: "string", length: 40 }),
    field({ name: "LastName", label: "Last Name", type: "string", length: 80, nillable: false }),
    field({
      name: "Name",
      label: "Full Name",
      type: "string",
      length: 121,
      nillable: false,
      createable: false,
    }),
    field({ name: "AccountId", label: "Account ID", type: "reference", referenceTo: ["Account"] }),
    field({ name: "Title", label: "Title", type: "string", length: 128 }),
    field({ name: "Email", label: "Email", type: "email" }),
    field({ name: "Phone", label: "Business Phone", type: "phone" }),
    field({ name: "MobilePhone", label: "Mobile Phone", type: "phone" }),
    field({ name: "LeadSource", label: "Lead Source", type: "picklist", picklistValues: LEAD_SOURCE }),
    field({ name: "Description", label: "Contact Description", type: "textarea", length: 32000 }),
    field({ name: "WhatsApp_Id__c", label: "WhatsApp Id", type: "string", length: 40, externalId: true }),
  ],
};

const account: ObjectDef = {
  name: "Account",
  label: "Account",
  labelPlural: "Accounts",
  keyPrefix: "001",
  fields: [
    ...system("Account"),
    field({ name: "Name", label: "Account Name", type: "string", length: 255, nillable: false }),
    field({ name: "Phone", label: "Account Phone", type: "phone" }),
    field({ name: "Website", label: "Website", type: "url" }),
    field({ name: "Industry", label: "Industry", type: "picklist", picklistValues: INDUSTRY }),
    field({
      name: "Type",
      label: "Account Type",
      type: "picklist",
      picklistValues: ["Prospect", "Customer - Direct", "Other"],
    }),
    field({ name: "BillingCity", label: "Billing City", type: "string", length: 40 }),
    field({ name: "Description", label: "Account Description", type: "textarea", length: 32000 }),
  ],
};

export const OBJECTS: ReadonlyArray<ObjectDef> = [lead, caseObject, contact, account];

/**
 * sObject and field names are case-insensitive in the API. `objects`: the org's own schema
 * (`state.objects`, which may carry optional fields such as Tern_Key__c).
 */
export function findObject(name: string, objects: ReadonlyArray<ObjectDef> = OBJECTS): ObjectDef | undefined {
  const wanted = name.toLowerCase();
  return objects.find((o) => o.name.toLowerCase() === wanted);
}

export function findField(object: ObjectDef, name: string): FieldDef | undefined {
  const wanted = name.toLowerCase();
  return object.fields.find((f) => f.name.toLowerCase() === wanted);
}

export function isRequiredOnCreate(f: FieldDef): boolean {
  return f.createable && !f.nillable && !f.defaultedOnCreate;
}
