import { documentedBody, documentedComponents } from "./api-docs-bodies.js";

/**
 * What the OpenAPI document says each admin route answers. Routes declare request schemas; most
 * declare no `response` (a response schema would also make Fastify serialize through it), so the
 * document said "200 Default Response" for a route that answers 201 or 204, and nothing about
 * errors. This fills in, for the document only: the success status of routes that do not answer
 * 200, and the one error shape every route shares (`server/errors.ts`).
 */

/** "METHOD /path" (Fastify's path, `:id` parameters) → its success status and what it means. */
export const SUCCESS_STATUS: Record<
  string,
  {
    status: 201 | 202 | 204 | 302;
    description: string /** Another success the route may answer. */;
    or?: { status: 200 | 202; description: string };
  }
> = {
  "GET /api/v1/connections/:id/oauth/start": {
    status: 302,
    description: "To the provider's authorize page (`Location`)",
    or: {
      status: 200,
      description: "`{ authorizeUrl }`, when the request's `Accept` names application/json",
    },
  },
  "POST /api/v1/connections": { status: 201, description: "Created; the connection without its secrets" },
  "POST /api/v1/channels": { status: 201, description: "Created; the channel and its setup report" },
  "POST /api/v1/flows": { status: 201, description: "Stored as version 1" },
  "PUT /api/v1/flows/:id": {
    status: 201,
    description: "Stored as the flow's next version",
    or: { status: 200, description: "The latest version's file again: nothing stored, `unchanged: true`" },
  },
  "POST /api/v1/flows/:id/webhook": { status: 201, description: "A new webhook URL and token" },
  "DELETE /api/v1/connections/:id": { status: 204, description: "Deleted" },
  "DELETE /api/v1/channels/:id": { status: 204, description: "Deleted" },
  "DELETE /api/v1/flows/:id": { status: 204, description: "Deleted with all its versions" },
  "DELETE /api/v1/contacts/:id": {
    status: 204,
    description: "Erased",
    or: {
      status: 202,
      description:
        'Erasure queued in the conversation\'s turn (PostgreSQL, no worker running now): `{ status: "queued", message }`',
    },
  },
  "DELETE /api/v1/contacts": {
    status: 204,
    description: "Erased",
    or: {
      status: 202,
      description:
        'Erasure queued in the conversation\'s turn (PostgreSQL, no worker running now): `{ status: "queued", message }`',
    },
  },
  "DELETE /api/v1/session": { status: 204, description: "Signed out" },
  "POST /api/v1/runs/:id/release": { status: 202, description: "Queued in the conversation's turn" },
  "POST /api/v1/sandbox/messages": {
    status: 202,
    description: "The sandbox customer's webhook was accepted",
  },
  "POST /api/v1/sandbox/try": { status: 202, description: "The run was started" },
};

/** Registered once on the docs app (`addSchema`); responses refer to it, the document lists it once. */
export const ERROR_SCHEMA = {
  $id: "ApiError",
  title: "ApiError",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: {
          type: "string",
          description: "e.g. BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, CONFLICT, FLOW_INVALID",
        },
        message: { type: "string", description: "What was wrong and how to fix it" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
};

type Responses = Record<string, unknown>;

/**
 * The route's documented success: its own `response` schemas, else its status from
 * SUCCESS_STATUS (else 200) with the answer's schema from api-docs-bodies.ts where it has one.
 * (Errors are added to the whole document: `withErrorResponses`.)
 */
export function documentedResponses(method: string, url: string, own: Responses | undefined): Responses {
  if (own) return own;
  const responses = successResponses(method, url);
  const etag = ETAG_ROUTES[`${method} ${url}`];
  if (!etag) return responses;
  for (const [status, response] of Object.entries(responses))
    if (status !== "204") responses[status] = { ...(response as object), headers: { etag: etag } };
  return responses;
}

const flowEtag = {
  type: "string",
  description:
    'The flow\'s latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it',
};
const rowEtag = (noun: string) => ({
  type: "string",
  description: `The ${noun} as stored now (changes with every change): send it in \`If-Match\` with a PATCH`,
});

/** Routes whose answer carries an `ETag` (RFC 9110 §8.8.3; routes/conditional-headers.ts). */
const ETAG_ROUTES: Record<string, { type: string; description: string }> = {
  "POST /api/v1/flows": flowEtag,
  "GET /api/v1/flows/:id": flowEtag,
  "PUT /api/v1/flows/:id": flowEtag,
  "GET /api/v1/flows/:id/versions": flowEtag,
  "POST /api/v1/channels": rowEtag("channel"),
  "GET /api/v1/channels/:id": rowEtag("channel"),
  "PATCH /api/v1/channels/:id": rowEtag("channel"),
  "POST /api/v1/connections": rowEtag("connection"),
  "GET /api/v1/connections/:id": rowEtag("connection"),
  "PATCH /api/v1/connections/:id": rowEtag("connection"),
};

function successResponses(method: string, url: string): Responses {
  const route = `${method} ${url}`;
  const answer = (status: number, description: string) => {
    if (status === 204) return { description, type: "null" };
    if (status === 302)
      return {
        description,
        type: "null",
        headers: { location: { type: "string", description: "Where to go" } },
      };
    const schema = documentedBody(route, status);
    return schema ? { ...schema, description } : { description, type: "object", additionalProperties: true };
  };
  const success = SUCCESS_STATUS[route];
  if (!success) {
    const schema = documentedBody(route, 200);
    return { 200: schema ? { ...schema, description: "OK" } : { description: "OK" } };
  }
  return {
    [success.status]: answer(success.status, success.description),
    ...(success.or && { [success.or.status]: answer(success.or.status, success.or.description) }),
  };
}

type Document = {
  paths?: Record<
    string,
    Record<
      string,
      {
        responses?: Responses;
        requestBody?: { required?: boolean; content?: Record<string, { schema?: { nullable?: boolean } }> };
      }
    >
  >;
  components?: { schemas?: Record<string, unknown>; responses?: Responses };
};

/**
 * A body the route takes as optional (its schema `.nullish()`: `curl -X POST …/publish`) is
 * documented as optional. @fastify/swagger marks every body required, so a generated client
 * demanded one (and told its users the README's bodiless calls were wrong).
 */
export function withOptionalBodies<D extends object>(document: D): D {
  for (const operations of Object.values((document as Document).paths ?? {})) {
    for (const op of Object.values(operations)) {
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      if (op.requestBody && schema?.nullable === true) op.requestBody.required = false;
    }
  }
  return document;
}

/**
 * Every operation's 4XX and 5XX, as references to two shared responses in the shared error shape:
 * the document (and the browser's generated types) names them once instead of once per route.
 */
export function withErrorResponses<D extends object>(document: D): D {
  const doc = document as Document;
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } },
  });
  doc.components = {
    ...doc.components,
    // The answers' shared parts (api-docs-bodies.ts), beside the route schemas' own (ApiError).
    schemas: { ...doc.components?.schemas, ...documentedComponents() },
    responses: {
      ...doc.components?.responses,
      Refused: error("Refused: `{ error: { code, message, details? } }`, nothing changed"),
      Failed: error("Failed on Tern's side or at a provider (502): `{ error: { code, message } }`"),
    },
  };
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations)) {
      op.responses = {
        ...op.responses,
        "4XX": { $ref: "#/components/responses/Refused" },
        "5XX": { $ref: "#/components/responses/Failed" },
      };
    }
  }
  return document;
}
