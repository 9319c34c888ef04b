import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { getConnectorDefinition } from "../../connectors/registry.js";
import { createIntegrationAdmin } from "../../services/integration-admin.js";
import type { AppDeps } from "../app.js";
import { IdParams, IntegrationPatchBody, integrationCreateBody } from "./integration-schemas.js";

const CreateBody = integrationCreateBody("salesforce", "Connector config");

/** Connections to business systems (Salesforce). Secrets are write-only. */
export const connectionRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const admin = createIntegrationAdmin({
      store: deps.store,
      integrations: deps.integrations,
      clock: deps.clock,
      kind: "connection",
      definition: getConnectorDefinition,
      idPrefix: "conn",
      sandbox: deps.sandbox,
    });
    const tags = ["connections"];

    app.get("/connections", { schema: { tags } }, async () => ({
      items: (await deps.store.connections.list()).map((r) => admin.toPublic(r)),
    }));
    app.post("/connections", { schema: { tags, body: CreateBody } }, async (req, reply) => {
      const record = await admin.create(req.body);
      return reply.status(201).send(admin.toPublic(record));
    });
    // `health`: paused until a time (API limit), or reconnect required (connectors/connector.ts).
    app.get("/connections/:id", { schema: { tags, params: IdParams } }, async (req) => ({
      ...admin.toPublic(await admin.get(req.params.id)),
      health: await deps.store.connectionHealth.get(req.params.id),
    }));
    app.patch(
      "/connections/:id",
      { schema: { tags, params: IdParams, body: IntegrationPatchBody } },
      async (req) => admin.toPublic(await admin.update(req.params.id, req.body)),
    );
    app.delete("/connections/:id", { schema: { tags, params: IdParams } }, async (req, reply) => {
      await admin.remove(req.params.id);
      return reply.status(204).send();
    });
    app.post("/connections/:id/test", { schema: { tags, params: IdParams } }, async (req) => {
      const record = await admin.get(req.params.id);
      const resolved = await deps.integrations.connection(record.name);
      const info = await resolved.runtime.test(resolved.config);
      return { ok: true, ...info };
    });
  };
