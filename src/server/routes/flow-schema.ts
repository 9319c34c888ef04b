import type { FastifyPluginAsync } from "fastify";
import { flowJsonSchema } from "../../flows/json-schema.js";
import { stepRegistry } from "../../steps.js";

/** The address flow files name in `"$schema"`, so editors validate and complete them. */
export const FLOW_SCHEMA_PATH = "/api/v1/schema/flow.json";

/**
 * The flow file's JSON Schema, public: an editor (VS Code, JetBrains) fetches the `"$schema"` a
 * flow file names without sending a token, and it holds nothing but the step types' fields.
 * `GET /api/v1/flows/schema` (with the admin token) serves the same document.
 */
export const flowSchemaRoute = (): FastifyPluginAsync => async (app) => {
  let cached: Record<string, unknown> | undefined;
  app.get(FLOW_SCHEMA_PATH, { schema: { tags: ["flows"] } }, async (_req, reply) => {
    cached ??= flowJsonSchema(stepRegistry);
    return reply.type("application/schema+json; charset=utf-8").send(JSON.stringify(cached));
  });
};
