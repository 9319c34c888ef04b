import { AppError } from "../../core/app-error.js";
import type { StoredToken } from "../connector.js";
import type { SalesforceClient, WriteOptions } from "./client.js";
import { assertApiName, unreadableWrite } from "./client.js";
import type { SalesforceConfig } from "./config.js";
import { dataError, parseJson } from "./errors/errors.js";

/**
 * Single-record calls beyond create: update, upsert by external id, get with `?fields=`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/using_resources_working_with_records.htm,
 * https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html; reference §2.3).
 */

/** `Sforce-Duplicate-Rule-Header` (v52.0+): only alert-type rules can be bypassed (reference §2.1). */
export function duplicateHeader(options: WriteOptions | undefined): Record<string, string> {
  return options?.allowSave ? { "Sforce-Duplicate-Rule-Header": "allowSave=true" } : {};
}

type RecordCalls = Pick<SalesforceClient, "update" | "upsert" | "get">;

/** Record ids are 15 or 18 base-62 characters (reference §4.3); anything else never reaches a URL. */
const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export function assertRecordId(id: string): void {
  if (!RECORD_ID.test(id)) {
    throw new AppError(
      "VALIDATION_FAILED",
      `"${id.slice(0, 40)}" is not a Salesforce record id (15 or 18 letters and digits, e.g. 00Q5g00000AbCdEFGH). Map the id a find or create step returned.`,
      { details: { id: id.slice(0, 40) } },
    );
  }
}

/** One REST answer before any mapping: the caller decides which statuses are success. */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

/** Sends a request built from the current token (the client's, with limits and timeouts). */
export type SendRequest = (path: (token: StoredToken) => string, init: RequestInit) => Promise<RawAnswer>;

export function createRecordCalls(request: SendRequest, config: SalesforceConfig): RecordCalls {
  const base = (token: StoredToken) => `${token.instanceUrl}/services/data/v${config.apiVersion}`;

  const jsonBody = (fields: Record<string, unknown>, options?: WriteOptions): RequestInit => ({
    method: "PATCH",
    headers: { "Content-Type": "application/json", ...duplicateHeader(options) },
    body: JSON.stringify(fields),
  });

  return {
    async update(object, id, fields, options) {
      assertApiName(object, "object");
      assertRecordId(id);
      for (const name of Object.keys(fields)) assertApiName(name, "field");
      const r = await request((t) => `${base(t)}/sobjects/${object}/${id}`, jsonBody(fields, options));
      if (r.status === 204) return;
      if (r.status === 404) throw notFound(r, object, `record ${id}`);
      throw dataError(r.status, r.contentType, r.text, object);
    },

    async upsert(object, externalIdField, value, fields, options) {
      assertApiName(object, "object");
      assertApiName(externalIdField, "field");
      for (const name of Object.keys(fields)) assertApiName(name, "field");
      if (value.trim() === "") {
        throw new AppError(
          "VALIDATION_FAILED",
          `The upsert needs a value for ${externalIdField}: the template rendered empty.`,
          { details: { object, externalIdField } },
        );
      }
      // The value is a path segment: encode it ("/" or "?" in it must not change the resource).
      const url = (t: StoredToken) =>
        `${base(t)}/sobjects/${object}/${externalIdField}/${encodeURIComponent(value)}`;
      const r = await request(url, jsonBody(fields, options));
      // Up to v45.0 an update answers 204 without a body (reference §2.3): the record is the one
      // the key names, read by it (GET, no parameters: "Get a Record Using an External ID",
      // https://developer.salesforce.com/docs/platform/api-rest/guide/using-resources-retrieve-with-externalid.html).
      if (r.status === 204) {
        const found = await request(url, { method: "GET" });
        const record = found.status === 200 ? (parseJson(found.text) as { Id?: unknown } | null) : null;
        if (typeof record?.Id === "string") return { id: record.Id, created: false };
        if (found.status === 300) throw multipleMatches(found.text, object, externalIdField);
        throw dataError(found.status === 200 ? 502 : found.status, found.contentType, found.text, object);
      }
      if (r.status === 300) throw multipleMatches(r.text, object, externalIdField);
      if (r.status === 404) throw notFound(r, object, `external id field ${externalIdField}`);
      if (r.status !== 200 && r.status !== 201) throw dataError(r.status, r.contentType, r.text, object);
      const body = parseJson(r.text) as { id?: unknown; created?: unknown } | undefined;
      if (typeof body?.id !== "string") throw unreadableWrite(object);
      // `created` is in the body since v46.0; before, 201 meant created (reference §2.3).
      return { id: body.id, created: typeof body.created === "boolean" ? body.created : r.status === 201 };
    },

    async get(object, id, fields) {
      assertApiName(object, "object");
      assertRecordId(id);
      for (const name of fields ?? []) assertApiName(name, "field");
      const query = fields?.length ? `?fields=${fields.map(encodeURIComponent).join(",")}` : "";
      const r = await request((t) => `${base(t)}/sobjects/${object}/${id}${query}`, { method: "GET" });
      if (r.status === 404) throw notFound(r, object, `record ${id}`);
      if (r.status !== 200) throw dataError(r.status, r.contentType, r.text, object);
      const body = parseJson(r.text);
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw dataError(502, r.contentType, r.text, object);
      }
      return body as Record<string, unknown>;
    },
  };
}

/** 404 keeps Salesforce's code (NOT_FOUND, ENTITY_IS_DELETED) and names what was missing. */
function notFound(r: RawAnswer, object: string, what: string): AppError {
  const mapped = dataError(r.status, r.contentType, r.text, object);
  const code = String(mapped.details?.errorCode ?? "NOT_FOUND");
  const message =
    code === "ENTITY_IS_DELETED"
      ? `The ${object} ${what} was deleted in Salesforce. Create a new one or find another record first.`
      : `Salesforce has no ${object} ${what}: check the object's API name, that ${what.startsWith("external") ? "the field exists and is marked External ID" : "the id belongs to this object"}, and that the integration user can see it.`;
  return new AppError("SALESFORCE_REQUEST_FAILED", message, {
    details: { ...mapped.details, httpStatus: r.status, errorCode: code, object },
  });
}

/** 300 Multiple Choices: the external id matched several records; the body lists their URLs. */
function multipleMatches(text: string, object: string, field: string): AppError {
  const body = parseJson(text);
  const urls = (Array.isArray(body) ? body : []).filter((u): u is string => typeof u === "string");
  const ids = urls.map((u) => u.split("/").at(-1) ?? u).slice(0, 10);
  return new AppError(
    "SALESFORCE_REQUEST_FAILED",
    `${urls.length || "Several"} ${object} records share this ${field} value, so Salesforce can't tell which one to update. Mark ${field} as Unique in Salesforce, or merge the duplicates (${ids.join(", ")}).`,
    { details: { httpStatus: 300, object, externalIdField: field, matchingIds: ids } },
  );
}
