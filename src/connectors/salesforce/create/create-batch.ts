import { type AppError, isAppError, toAppError } from "../../../core/app-error.js";
import { type SalesforceClient, type SaveResult, unreadableWrite } from "../client.js";
import { dataError } from "../errors/errors.js";
import type { ItemResult } from "./coalescer.js";
import type { CreateMode } from "./exactly-once.js";

/**
 * Sends the creates of one object that waited together, in one request, and gives each caller
 * what a single create would have given it. Wire shapes: reference/salesforce.md §2.3, §2.7.
 */
export interface PendingCreate {
  fields: Record<string, unknown>;
  /** The effect key: the External ID value in `externalId` mode. */
  key: string;
}

export interface CreateOutput {
  id: string;
  object: string;
  success: true;
  /** The record already existed: an earlier attempt created it (lookup found it, or the upsert updated it). */
  reconciled?: true;
  /** What Tern changed in the values before sending them (text cut to the field's length). */
  notes?: string[];
}

/**
 * A collection's per-record error (`statusCode`) as the AppError the single create gives
 * (`errorCode`). Only for `success: false`: a success without an id is `unreadableWrite`.
 */
export function saveResultError(result: SaveResult, object: string): AppError {
  const errors = result.errors.map((e) => ({
    errorCode: e.statusCode,
    message: e.message,
    fields: e.fields ?? [],
    ...(e.duplicateResult ? { duplicateResult: e.duplicateResult } : {}),
  }));
  // A record the server failed on (UNKNOWN_EXCEPTION) was not saved (allOrNone false): a server
  // error, tried again as a lone create's HTTP 500 is, not the record's fault.
  const status = errors.every((e) => SERVER_SIDE.has(e.errorCode)) ? 500 : 400;
  return dataError(status, "application/json", JSON.stringify(errors), object);
}

const SERVER_SIDE = new Set(["UNKNOWN_EXCEPTION"]);

async function settle(run: () => Promise<CreateOutput>): Promise<ItemResult<CreateOutput>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toAppError(error) };
  }
}

/**
 * The first API versions with each collection request (reference/salesforce.md §2.7): an older
 * `apiVersion` answers them 404, so its records go one request each.
 */
const COLLECTION_CREATE_SINCE = 42;
const COLLECTION_UPSERT_SINCE = 46;

/**
 * A collection refused whole with a 400: the request body did not deserialize, most often one
 * record's value that its field's type cannot take ("abc" for a number or a checkbox:
 * JSON_PARSER_ERROR), which is no other record's fault ("If the request isn't well formed, the API
 * returns a 400 Bad Request": resources-composite-sobjects-collections-create). Other refusals of
 * the whole request (session, limits, API disabled, a server error) are every record's.
 */
const isRefusedWhole = (error: unknown): boolean => isAppError(error) && error.details?.httpStatus === 400;

/**
 * Sends `pending` as one collection request; refused whole with a 400, as two halves, down to
 * the records alone (a single create's answer, its own error), so one customer's bad value fails
 * only their create: about 2·log2(n) more requests for one bad record among n.
 */
async function splitOnRefusal(
  pending: PendingCreate[],
  many: (part: PendingCreate[]) => Promise<Array<ItemResult<CreateOutput>>>,
  one: (item: PendingCreate) => Promise<ItemResult<CreateOutput>>,
): Promise<Array<ItemResult<CreateOutput>>> {
  if (pending.length === 1) return [await one(pending[0] as PendingCreate)];
  try {
    return await many(pending);
  } catch (error) {
    if (!isRefusedWhole(error)) throw error;
    const half = Math.ceil(pending.length / 2);
    const [a, b] = await Promise.all([
      splitOnRefusal(pending.slice(0, half), many, one),
      splitOnRefusal(pending.slice(half), many, one),
    ]);
    return [...a, ...b];
  }
}

export async function sendCreates(
  client: SalesforceClient,
  object: string,
  mode: CreateMode,
  pending: PendingCreate[],
  apiVersion: string,
): Promise<Array<ItemResult<CreateOutput>>> {
  const version = Number(apiVersion);
  if (
    pending.length > 1 &&
    (mode.kind === "externalId" ? version >= COLLECTION_UPSERT_SINCE : version >= COLLECTION_CREATE_SINCE)
  ) {
    return splitOnRefusal(
      pending,
      (part) => sendCollection(client, object, mode, part, apiVersion),
      (item) =>
        sendCollection(client, object, mode, [item], apiVersion).then(
          (r) => r[0] as ItemResult<CreateOutput>,
          (error: unknown) => ({ ok: false, error: toAppError(error) }),
        ),
    );
  }
  return sendCollection(client, object, mode, pending, apiVersion);
}

async function sendCollection(
  client: SalesforceClient,
  object: string,
  mode: CreateMode,
  pending: PendingCreate[],
  apiVersion: string,
): Promise<Array<ItemResult<CreateOutput>>> {
  const version = Number(apiVersion);
  if (mode.kind === "externalId" && version < COLLECTION_UPSERT_SINCE) {
    return Promise.all(pending.map((p) => settle(() => upsertOne(client, object, mode.field, p))));
  }
  if (mode.kind === "externalId") {
    const results = await client.upsertMany(
      object,
      mode.field,
      pending.map((p) => ({ ...withoutField(p.fields, mode.field), [mode.field]: p.key })),
    );
    return Promise.all(
      results.map(async (r, i): Promise<ItemResult<CreateOutput>> => {
        if (r.success && typeof r.id === "string") {
          const value: CreateOutput = { id: r.id, object, success: true };
          return { ok: true, value: r.created === false ? { ...value, reconciled: true } : value };
        }
        // Saved without its id: looked up by its key before any retry, as for creates below.
        if (r.success) return { ok: false, error: unreadableWrite(object) };
        // As for creates below: a duplicate rule's refusal without its matches (collections may
        // drop duplicateResult) is sent again alone, whose answer carries the matching ids.
        const duplicate = r.errors.find((e) => e.statusCode === "DUPLICATES_DETECTED");
        if (duplicate && !duplicate.duplicateResult) {
          return settle(() => upsertOne(client, object, mode.field, pending[i] as PendingCreate));
        }
        return { ok: false, error: saveResultError(r, object) };
      }),
    );
  }
  // Alone: the single create, whose errors carry the most detail (duplicateResult).
  if (pending.length === 1 || version < COLLECTION_CREATE_SINCE) {
    return Promise.all(
      pending.map((p) =>
        settle(async () => ({
          id: (await client.create(object, p.fields)).id,
          object,
          success: true as const,
        })),
      ),
    );
  }
  const results = await client.createMany(pending.map((p) => ({ object, fields: p.fields })));
  return Promise.all(
    results.map(async (r, i): Promise<ItemResult<CreateOutput>> => {
      if (r.success && typeof r.id === "string")
        return { ok: true, value: { id: r.id, object, success: true } };
      // Saved, but which record is not said: looked up before any retry, as a lone create's 201
      // without an id is; sent again as a failure it would be created twice.
      if (r.success) return { ok: false, error: unreadableWrite(object) };
      // Collections drop duplicateResult (§3): a record a duplicate rule refused (so nothing was
      // saved) is sent again alone, so its caller gets the matching ids as a single create gives.
      const fields = (pending[i] as PendingCreate).fields;
      if (r.errors.some((e) => e.statusCode === "DUPLICATES_DETECTED")) {
        return settle(async () => ({ id: (await client.create(object, fields)).id, object, success: true }));
      }
      return { ok: false, error: saveResultError(r, object) };
    }),
  );
}

/** One record upserted by its effect key (`PATCH /sobjects/{object}/{field}/{key}`, any version). */
async function upsertOne(
  client: SalesforceClient,
  object: string,
  field: string,
  { fields, key }: PendingCreate,
): Promise<CreateOutput> {
  const single = await client.upsert(object, field, key, withoutField(fields, field));
  return { id: single.id, object, success: true, ...(single.created ? {} : { reconciled: true as const }) };
}

/** The key is Tern's: a mapped value for the same field is replaced, never sent twice. */
function withoutField(fields: Record<string, unknown>, field: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields))
    if (name.toLowerCase() !== field.toLowerCase()) out[name] = value;
  return out;
}
