import { z } from "zod";

/**
 * What the main admin routes answer, for the OpenAPI document only (a `response` schema on the
 * route would also make Fastify serialize through it, dropping or refusing what it does not list).
 * Objects stay open: the API grows by adding fields (DESIGN.md, "extend, don't break"); what is
 * listed is there, with its type. test/e2e/openapi-conformance.test.ts checks real answers
 * against them.
 */

const Ms = z.number().describe("ms since the epoch");
const Iso = z.string().describe("ISO 8601 time");
const AnyObject = z.looseObject({});
const Problem = z.looseObject({ path: z.string(), message: z.string() });

const RunSummary = z.looseObject({
  id: z.string(),
  flowId: z.string(),
  flowVersion: z.int(),
  channelId: z.string(),
  contactId: z.string(),
  status: z.enum(["running", "waiting", "completed", "failed", "ended"]),
  currentStep: z.string().nullable().describe("The step it is on while active"),
  waitingFor: z
    .looseObject({
      stepId: z.string(),
      timeoutAt: Ms.nullable().describe("When the wait ends (ms since the epoch); null: never"),
      for: z.enum(["reply", "handoff", "retry"]),
    })
    .nullable(),
  error: z.looseObject({ code: z.string(), message: z.string(), stepId: z.string() }).nullable(),
  endReason: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  createdAt: Iso,
  updatedAt: Iso,
});

const RunStep = z.looseObject({
  visit: z.int(),
  stepId: z.string(),
  type: z.string(),
  status: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  startedAt: Iso,
  endedAt: Iso.nullable(),
  durationMs: z.number().nullable(),
});

const Identity = z.looseObject({
  id: z.string(),
  channelId: z.string(),
  address: z.string(),
  createdAt: Ms,
  lastInboundAt: Ms.nullable(),
});

const Contact = z.looseObject({
  id: z.string(),
  phone: z.string().nullable().describe("E.164"),
  name: z.string().nullable(),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: Ms,
  updatedAt: Ms,
  identities: z.array(Identity),
});

const FlowSummary = z.looseObject({
  id: z.string(),
  name: z.string(),
  latestVersion: z.int(),
  publishedVersion: z.int().nullable(),
  owner: z.string(),
  createdAt: Ms,
  updatedAt: Ms,
});

const Integration = z.looseObject({
  id: z.string(),
  type: z.string(),
  name: z.string(),
  config: AnyObject.describe("The config without its secrets"),
  secrets: z
    .record(z.string(), z.literal("set"))
    .describe("Which secret fields are set (never their values)"),
  owner: z.string(),
  createdAt: Ms,
  updatedAt: Ms,
  revision: z
    .string()
    .describe("Changes with every change of the row; quoted, it is the `ETag` to send in `If-Match`"),
});
const Connection = Integration.extend({
  isConnected: z.boolean().optional().describe("Salesforce: whether Tern holds a token"),
});
const SetupReport = z.looseObject({ ok: z.boolean(), message: z.string() });
const Channel = Integration.extend({
  webhookUrl: z.string().describe("The URL to paste into the provider's console"),
  setup: SetupReport.optional().describe(
    "Webhook registration at the provider (Telegram, Viber, Twilio, Vonage)",
  ),
});

const Stored = z.looseObject({
  id: z.string(),
  version: z.int(),
  name: z.string(),
  warnings: z.array(Problem),
});

/**
 * The answers' shared parts, named: the document lists each once under `components.schemas` and
 * refers to it, instead of repeating it in every operation (and in the browser's generated types).
 */
const shared = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  Problem,
  RunSummary,
  RunStep,
  Identity,
  Contact,
  FlowSummary,
  Connection,
  Channel,
  SetupReport,
  StoredFlowVersion: Stored,
}))
  shared.add(schema, { id });

const COMPONENTS = "#/components/schemas/";

/** "METHOD /path" (Fastify's path) → status → the answer's schema. */
const BODIES: Record<string, Record<number, z.ZodType>> = {
  "GET /api/v1/runs": {
    200: z.looseObject({
      items: z.array(RunSummary),
      nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null: no more"),
    }),
  },
  "GET /api/v1/runs/:id": {
    200: RunSummary.extend({ vars: z.record(z.string(), z.unknown()), steps: z.array(RunStep) }),
  },
  "GET /api/v1/runs/:id/messages": {
    200: z.looseObject({
      items: z.array(
        z.looseObject({
          id: z.string(),
          direction: z.enum(["in", "out"]),
          text: z.string().nullable(),
          status: z.string(),
          channelId: z.string(),
          createdAt: Iso,
        }),
      ),
    }),
  },
  "POST /api/v1/runs/:id/end": { 200: RunSummary },
  "POST /api/v1/runs/:id/retry": { 200: RunSummary },
  "POST /api/v1/runs/end": { 200: z.looseObject({ ended: z.int() }) },
  "POST /api/v1/runs/:id/release": {
    202: z.looseObject({ runId: z.string(), status: z.literal("queued") }),
  },
  "GET /api/v1/contacts": {
    200: z.looseObject({
      items: z.array(Contact),
      nextOffset: z.int().nullable().describe("Pass as `offset` for the next page; null: no more"),
      nextCursor: z
        .string()
        .nullable()
        .describe("Pass as `cursor` for the next page (stable while contacts are created); null: no more"),
    }),
  },
  "GET /api/v1/contacts/:id": { 200: Contact.extend({ messages: z.array(AnyObject) }) },
  "PATCH /api/v1/contacts/:id": { 200: Contact },
  "POST /api/v1/contacts/:id/tags": { 200: Contact },
  "POST /api/v1/contacts/:id/merge": { 200: Contact },
  "GET /api/v1/flows": {
    200: z.looseObject({ items: z.array(FlowSummary.extend({ lastRunAt: Ms.nullable() })) }),
  },
  "GET /api/v1/flows/:id": { 200: FlowSummary.extend({ definition: AnyObject }) },
  "POST /api/v1/flows": { 201: Stored },
  "PUT /api/v1/flows/:id": { 201: Stored, 200: Stored.extend({ unchanged: z.literal(true) }) },
  "POST /api/v1/flows/validate": {
    200: z.looseObject({ valid: z.boolean(), errors: z.array(Problem), warnings: z.array(Problem) }),
  },
  "GET /api/v1/flows/:id/versions": {
    200: z.looseObject({
      items: z.array(
        z.looseObject({
          flowId: z.string(),
          version: z.int(),
          createdAt: Ms,
          publishedAt: Ms.nullable(),
          isPublished: z.boolean(),
          isLatest: z.boolean(),
        }),
      ),
    }),
  },
  "POST /api/v1/flows/:id/publish": {
    200: z.looseObject({ id: z.string(), publishedVersion: z.int(), warnings: z.array(Problem) }),
  },
  "POST /api/v1/flows/:id/webhook": {
    201: z.looseObject({ url: z.string(), token: z.string().describe("Shown once") }),
  },
  "GET /api/v1/connections": { 200: z.looseObject({ items: z.array(Connection) }) },
  "POST /api/v1/connections": { 201: Connection },
  "GET /api/v1/connections/:id": { 200: Connection },
  "PATCH /api/v1/connections/:id": { 200: Connection },
  "GET /api/v1/channels": { 200: z.looseObject({ items: z.array(Channel) }) },
  "POST /api/v1/channels": { 201: Channel },
  "GET /api/v1/channels/:id": { 200: Channel },
  "PATCH /api/v1/channels/:id": { 200: Channel },
  "POST /api/v1/channels/:id/setup": { 200: Channel.extend({ setup: SetupReport }) },
  "POST /api/v1/sandbox/messages": {
    202: z.looseObject({ accepted: z.literal(true), channel: z.string(), channelId: z.string() }),
  },
};

/** The documented schema of a route's answer with this status, as OpenAPI 3.0 JSON Schema. */
export function documentedBody(route: string, status: number): Record<string, unknown> | undefined {
  const schema = BODIES[route]?.[status];
  if (!schema) return undefined;
  // Its shared parts become references to the document's components (`documentedComponents`);
  // the answer itself stays written out, also when it is one of them.
  const { definitions, ...own } = z.toJSONSchema(schema, { target: "openapi-3.0", metadata: shared });
  const id = shared.get(schema)?.id;
  const root = (id && (definitions as Record<string, object> | undefined)?.[id]) || own;
  return JSON.parse(JSON.stringify(root).replaceAll('"#/definitions/', `"${COMPONENTS}`));
}

/** The shared parts the answers refer to, for the document's `components.schemas`. */
export function documentedComponents(): Record<string, Record<string, unknown>> {
  const { schemas } = z.toJSONSchema(shared, { target: "openapi-3.0", uri: (id) => `${COMPONENTS}${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $id: _, ...schema }]) => [id, schema as Record<string, unknown>]),
  );
}

/** Routes with a documented answer (for the test that each is still a route). */
export const documentedBodyRoutes = (): string[] => Object.keys(BODIES);
