import { type ErrorRow, list, on, rest, restExample } from "./error-row.js";

/**
 * REST data API errors: a top-level array of `{message, errorCode, fields?}` (reference §3,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 */
export const REST_ROWS: ErrorRow[] = [
  {
    match: rest("INVALID_SESSION_ID"),
    code: "SALESFORCE_SESSION_EXPIRED",
    isTransient: false,
    run: "reconnect",
    say: (e) =>
      `Salesforce rejected a freshly refreshed session (${e.message}). Make sure the app's OAuth scopes include "api" and "refresh_token", then reconnect.`,
    example: restExample(401, "INVALID_SESSION_ID", "Session expired or invalid"),
  },
  {
    match: rest("API_DISABLED_FOR_ORG"),
    code: "SALESFORCE_API_DISABLED",
    isTransient: false,
    run: "fail_step",
    say: () =>
      "The Salesforce REST API is disabled for this connection's user. Tick \"API Enabled\" on the integration user's profile (Setup → Profiles → <profile> → Administrative Permissions) or in a permission set; if the org's edition has no API access (e.g. Professional Edition without the API add-on), ask Salesforce to enable it.",
    example: restExample(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."),
  },
  {
    match: rest("REQUEST_LIMIT_EXCEEDED", /ConcurrentPerOrgLongTxn/i),
    code: "SALESFORCE_LIMIT_EXCEEDED",
    isTransient: true,
    run: "pause_connection",
    say: (e) =>
      `Too many long-running Salesforce requests are running in the org at once (${e.message}). Tern pauses this connection for a few seconds and tries again; the runs wait.`,
    example: restExample(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
  },
  {
    match: rest("REQUEST_LIMIT_EXCEEDED"),
    code: "SALESFORCE_LIMIT_EXCEEDED",
    isTransient: true,
    run: "pause_connection",
    say: (e) =>
      `The org's daily Salesforce API allowance is used up (${e.message}). Tern pauses this connection and tries again with back-off; the runs wait and finish when the rolling 24-hour allowance frees up. To avoid it, raise the limit with Salesforce or reduce other integrations' calls.`,
    example: restExample(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
  },
  {
    match: rest("REQUIRED_FIELD_MISSING"),
    code: "SALESFORCE_REQUIRED_FIELD_MISSING",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce requires ${list(e.fields) || "more fields"} on ${on(e.object)}: map a non-empty value to ${e.fields.length > 1 ? "each of them" : "it"} in the step's fields. (${e.message})`,
    example: restExample(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", [
      "LastName",
    ]),
  },
  {
    match: rest("INVALID_FIELD"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce rejected a field on ${on(e.object)}: ${e.message.trim()} Check the field's API name (custom fields end in __c) and that the integration user can see it.`,
    example: restExample(400, "INVALID_FIELD", "No such column 'Foo' on sobject of type Lead"),
  },
  {
    match: rest("INVALID_FIELD_FOR_INSERT_UPDATE"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce won't let this user write a field (${list(e.fields) || e.message}): remove read-only fields from the mapping or grant edit access to them. (${e.message})`,
    example: restExample(
      400,
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      "Unable to create/update fields: CaseNumber. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
      ["CaseNumber"],
    ),
  },
  {
    match: rest("STRING_TOO_LONG"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `A value is longer than its Salesforce field allows (${list(e.fields)}): shorten it in the flow (e.g. truncate the template). ${e.message}`,
    example: restExample(400, "STRING_TOO_LONG", "Last Name: data value too large: xxxx (max length=80)", [
      "LastName",
    ]),
  },
  {
    match: rest("INVALID_EMAIL_ADDRESS"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce rejected an email address (${list(e.fields)}): validate it in the flow before creating the record. ${e.message}`,
    example: restExample(400, "INVALID_EMAIL_ADDRESS", "Email: invalid email address: not-an-email", [
      "Email",
    ]),
  },
  {
    match: rest("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `A value isn't allowed by a restricted picklist (${list(e.fields)}): use one of the picklist values shown in Salesforce. ${e.message}`,
    example: restExample(
      400,
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      "Lead Source: bad value for restricted picklist field: Carrier Pigeon",
      ["LeadSource"],
    ),
  },
  {
    // The admin wrote this message for people: show it as it is.
    match: rest("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) => `A Salesforce validation rule rejected the record: ${e.message}`,
    example: restExample(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Phone must start with a country code.", [
      "Phone",
    ]),
  },
  {
    match: rest("DUPLICATES_DETECTED"),
    code: "SALESFORCE_DUPLICATE",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `A Salesforce duplicate rule blocked the record ("${e.message}"). Update the existing record instead (its id is in steps.<id>.error.duplicateIds), or ask the admin to change the duplicate rule to allow saving with an alert.`,
    example: {
      status: 400,
      on: "data",
      body: [
        {
          duplicateResult: {
            allowSave: false,
            duplicateRule: "Standard_Lead_Duplicate_Rule",
            duplicateRuleEntityType: "Lead",
            errorMessage: "Use one of these records?",
            matchResults: [
              {
                entityType: "Lead",
                errors: [],
                matchEngine: "FuzzyMatchEngine",
                matchRecords: [
                  {
                    additionalInformation: [],
                    fieldDiffs: [],
                    matchConfidence: 100.0,
                    record: {
                      attributes: {
                        type: "Lead",
                        url: "/services/data/v62.0/sobjects/Lead/00Q000000000001AAA",
                      },
                      Id: "00Q000000000001AAA",
                    },
                  },
                ],
                rule: "Standard_Lead_Match_Rule_v1_0",
                size: 1,
                success: true,
              },
            ],
          },
          errorCode: "DUPLICATES_DETECTED",
          message: "Use one of these records?",
        },
      ],
    },
  },
  {
    match: rest("DUPLICATE_VALUE"),
    code: "SALESFORCE_DUPLICATE",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Another record already has this value in a unique field (${list(e.fields) || "a unique field"}): update that record instead, or map a different value. (${e.message})`,
    example: restExample(
      400,
      "DUPLICATE_VALUE",
      "duplicate value found: Tern_Key__c duplicates value on record with id: 00Q000000000001",
      ["Tern_Key__c"],
    ),
  },
  {
    match: rest("UNABLE_TO_LOCK_ROW"),
    code: "SALESFORCE_UNAVAILABLE",
    isTransient: true,
    run: "retry",
    say: (e) =>
      `Salesforce couldn't lock a related record (another process is updating it), which usually passes within seconds. (${e.message})`,
    example: restExample(
      400,
      "UNABLE_TO_LOCK_ROW",
      "unable to obtain exclusive access to this record or 1 records: 001000000000001",
      [],
    ),
  },
  {
    match: rest("SERVER_UNAVAILABLE"),
    code: "SALESFORCE_UNAVAILABLE",
    isTransient: true,
    run: "retry",
    say: (e) => `Salesforce is temporarily unavailable (maintenance or overload). (${e.message})`,
    example: restExample(503, "SERVER_UNAVAILABLE", "Server unavailable"),
  },
  ...[
    "INSUFFICIENT_ACCESS",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
  ].map(
    (errorCode): ErrorRow => ({
      match: rest(errorCode),
      code: "SALESFORCE_ACCESS_DENIED",
      isTransient: false,
      run: "fail_step",
      say: (e) =>
        `The integration user lacks permission for ${e.object ?? "this operation"}: grant Create/Read/Edit on the object and field access in its profile or a permission set. (${e.message})`,
      example: restExample(403, errorCode, "insufficient access rights on object id"),
    }),
  ),
  {
    match: rest("MALFORMED_QUERY"),
    code: "SALESFORCE_REQUEST_FAILED",
    isTransient: false,
    run: "fail_step",
    say: (e) => `Salesforce rejected the query: ${e.message.trim()}`,
    example: restExample(400, "MALFORMED_QUERY", "unexpected token: 'FRM'"),
  },
  {
    match: rest("INVALID_TYPE"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce doesn't know this object: ${e.message.trim()} Check the object's API name (custom objects end in __c) and that the integration user can see it.`,
    example: restExample(
      400,
      "INVALID_TYPE",
      "sObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    ),
  },
  {
    match: rest("NOT_FOUND"),
    code: "SALESFORCE_NOT_FOUND",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce says the resource doesn't exist${e.object ? `: check that the object "${e.object}" (or the record) exists and the integration user can access it` : ""}.`,
    example: restExample(404, "NOT_FOUND", "The requested resource does not exist"),
  },
  {
    match: rest("ENTITY_IS_DELETED"),
    code: "SALESFORCE_NOT_FOUND",
    isTransient: false,
    run: "fail_step",
    say: () =>
      "The Salesforce record was deleted (it may be in the Recycle Bin): restore it or use another record.",
    example: restExample(404, "ENTITY_IS_DELETED", "entity is deleted", []),
  },
  {
    match: rest("MALFORMED_ID"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `A Salesforce record id is malformed (${list(e.fields) || e.message}): ids are 15 or 18 letters and digits, e.g. 00Q5g00000AbCdEFGH; check what the flow puts there. (${e.message})`,
    example: restExample(400, "MALFORMED_ID", "Lead ID: id value of incorrect type: 12345", ["Id"]),
  },
  {
    match: rest("INVALID_CROSS_REFERENCE_KEY"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `A lookup field points to a record that doesn't exist or that the integration user can't see (${list(e.fields) || "a lookup"}). (${e.message})`,
    example: restExample(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["OwnerId"]),
  },
  {
    match: rest("JSON_PARSER_ERROR"),
    code: "SALESFORCE_FIELD_INVALID",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `Salesforce couldn't read a field value (wrong type, e.g. text for a number or checkbox): ${e.message}`,
    example: restExample(
      400,
      "JSON_PARSER_ERROR",
      "Cannot deserialize instance of boolean from VALUE_STRING value maybe or request may be missing a required field at [line:1, column:28]",
    ),
  },
];
