import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ChannelDefinition, SetupReport } from "../../channels/channel.js";
import { getChannelDefinition } from "../../channels/registry.js";
import { AppError } from "../../core/app-error.js";
import { createIntegrationAdmin, integrationEtag } from "../../services/integration-admin.js";
import type { IntegrationRecord } from "../../store/repos/integration-repo.js";
import type { AppDeps } from "../app.js";
import { IfMatchHeaders, ifMatchOf, withEtag } from "./conditional-headers.js";
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
    const webhookUrl = (id: string) => `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${id}`;
    const view = (r: IntegrationRecord) => ({ ...admin.toPublic(r), webhookUrl: webhookUrl(r.id) });
    /**
     * Registers the webhook at providers that take it by API (Telegram, Viber). A refusal is
     * reported, not thrown: the channel is saved either way, and PATCH or POST /setup runs it again.
     */
    const setup = async (record: IntegrationRecord): Promise<{ setup?: SetupReport }> => {
      const definition = getChannelDefinition(record.type);
      if (!definition?.setup) return {};
      const resolved = await deps.integrations.channel(record.id);
      try {
        const report = await definition.setup({
          config: resolved.config,
          webhookUrl: webhookUrl(record.id),
          fetch: deps.fetch ?? fetch,
        });
        return { setup: report };
      } catch (error) {
        deps.logger.warn({ err: error, channelId: record.id }, "channel setup failed");
        const message = error instanceof AppError ? error.message : "unexpected error; see the server log";
        return { setup: { ok: false, message: `Setup at the provider failed: ${message}` } };
      }
    };
    /**
     * Best effort once a channel is deleted: a provider that took its webhook by API (Telegram,
     * Viber) stops posting to the URL, unless it points elsewhere by now. Logged, never thrown:
     * the channel is gone either way.
     */
    const teardown = async (
      record: IntegrationRecord,
      remove: NonNullable<ChannelDefinition["teardown"]>,
      config: unknown,
    ): Promise<void> => {
      try {
        const report = await remove({
          config,
          webhookUrl: webhookUrl(record.id),
          fetch: deps.fetch ?? fetch,
        });
        const log = { channelId: record.id, type: record.type, message: report.message };
        if (report.ok) deps.logger.info(log, "channel webhook removed at the provider");
        else deps.logger.warn(log, "channel webhook not removed at the provider");
      } catch (error) {
        deps.logger.warn({ err: error, channelId: record.id }, "channel webhook removal failed");
      }
    };
    const tags = ["channels"];

    app.get(
      "/channels",
      {
        schema: {
          operationId: "listChannels",
          summary: "Every channel with its webhook URL, secrets left out",
          tags,
        },
      },
      async () => ({
        items: (await deps.store.channels.list()).map(view),
      }),
    );
    app.post(
      "/channels",
      {
        schema: {
          operationId: "createChannel",
          summary:
            "Create a channel; answers its webhook URL and, where the provider registers webhooks by API, the setup's result",
          tags,
          body: CreateBody,
        },
      },
      async (req, reply) => {
        const record = await admin.create(req.body);
        return withEtag(reply, integrationEtag(record))
          .status(201)
          .send({ ...view(record), ...(await setup(record)) });
      },
    );
    app.post(
      "/channels/:id/setup",
      {
        schema: {
          operationId: "setupChannel",
          summary: "Register the channel's webhook with the provider again (Telegram, Viber)",
          description:
            "With `If-Match` (the `ETag` of GET /channels/:id), run only while nobody changed the channel since: else 412 PRECONDITION_FAILED and the provider is not called",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("channel"),
        },
      },
      async (req) => {
        const record = await admin.get(req.params.id, ifMatchOf(req.headers));
        const result = await setup(record);
        if (!result.setup) {
          throw new AppError(
            "BAD_REQUEST",
            `Channels of type "${record.type}" are registered in the provider's console, not by API: paste the webhookUrl there`,
          );
        }
        return { ...view(record), ...result };
      },
    );
    app.get(
      "/channels/:id",
      {
        schema: {
          operationId: "getChannel",
          summary: "One channel with its webhook URL, secrets left out",
          tags,
          params: IdParams,
          description:
            "The `ETag` (also `revision`, unquoted) changes with every change: send it back in `If-Match` with a PATCH, and a change made since is not overwritten (412)",
        },
      },
      async (req, reply) => {
        const record = await admin.get(req.params.id);
        return withEtag(reply, integrationEtag(record)).send(view(record));
      },
    );
    app.patch(
      "/channels/:id",
      {
        schema: {
          operationId: "updateChannel",
          summary: "Change a channel's name or config; secrets given are replaced",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("channel"),
          body: IntegrationPatchBody,
          description:
            "With `If-Match` (the `ETag` of GET /channels/:id), changed only while nobody changed the channel since: else 412 PRECONDITION_FAILED and nothing changes. The answer's `ETag` is the changed channel's",
        },
      },
      async (req, reply) => {
        const record = await admin.update(req.params.id, req.body, ifMatchOf(req.headers));
        const answer = { ...view(record), ...(req.body.config ? await setup(record) : {}) };
        return withEtag(reply, integrationEtag(record)).send(answer);
      },
    );
    app.delete(
      "/channels/:id",
      {
        schema: {
          operationId: "deleteChannel",
          summary: "Delete a channel; its webhook URL stops taking messages",
          description:
            "With `If-Match` (the `ETag` of GET /channels/:id), deleted only while nobody changed the channel since: else 412 PRECONDITION_FAILED and nothing changes",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("channel"),
        },
      },
      async (req, reply) => {
        const ifMatch = ifMatchOf(req.headers);
        const record = await admin.get(req.params.id, ifMatch);
        const definition = getChannelDefinition(record.type);
        // Read before the removal, which takes the decrypted config with it. A config that cannot
        // be read (a key rotated away) only means no teardown: the delete goes ahead.
        const config = definition?.teardown
          ? await deps.integrations.channel(record.id).then(
              (resolved) => resolved.config,
              () => undefined,
            )
          : undefined;
        await admin.remove(req.params.id, ifMatch);
        if (definition?.teardown && config !== undefined) await teardown(record, definition.teardown, config);
        return reply.status(204).send();
      },
    );
  };
