import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { getChannelDefinition } from "../../channels/registry.js";
import { createIntegrationAdmin } from "../../services/integration-admin.js";
import type { IntegrationRecord } from "../../store/repos/integration-repo.js";
import type { AppDeps } from "../app.js";
import { IdParams, IntegrationPatchBody, integrationCreateBody } from "./integration-schemas.js";

const CreateBody = integrationCreateBody("whatsapp", "Provider config");

/** Messaging channels. Each answers with the webhook URL to paste into the provider's console. */
export const channelRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const admin = createIntegrationAdmin({
      store: deps.store,
      integrations: deps.integrations,
      clock: deps.clock,
      kind: "channel",
      definition: getChannelDefinition,
      idPrefix: "ch",
      sandbox: deps.sandbox,
    });
    const view = (r: IntegrationRecord) => ({
      ...admin.toPublic(r),
      webhookUrl: `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${r.id}`,
    });
    const tags = ["channels"];

    app.get("/channels", { schema: { tags } }, async () => ({
      items: (await deps.store.channels.list()).map(view),
    }));
    app.post("/channels", { schema: { tags, body: CreateBody } }, async (req, reply) =>
      reply.status(201).send(view(await admin.create(req.body))),
    );
    app.get("/channels/:id", { schema: { tags, params: IdParams } }, async (req) =>
      view(await admin.get(req.params.id)),
    );
    app.patch(
      "/channels/:id",
      { schema: { tags, params: IdParams, body: IntegrationPatchBody } },
      async (req) => view(await admin.update(req.params.id, req.body)),
    );
    app.delete("/channels/:id", { schema: { tags, params: IdParams } }, async (req, reply) => {
      await admin.remove(req.params.id);
      return reply.status(204).send();
    });
  };
