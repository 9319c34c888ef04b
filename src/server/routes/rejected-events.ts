import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { AppDeps } from "../app.js";
import { IdParams } from "./integration-schemas.js";
import { QueryWholeNumber } from "./query-numbers.js";

const Query = z.strictObject({ limit: QueryWholeNumber(1, 500).default(50) });
const MessagesQuery = z.strictObject({ limit: QueryWholeNumber(1, 200).default(20) });
const Params = IdParams;

/**
 * A channel's recent traffic: webhook items it acknowledged but did not process (an item that
 * did not parse, or one addressed to an account no channel owns), newest first, as received; and
 * its newest messages in and out with their delivery status.
 */
export const rejectedEventRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const known = async (id: string) => {
      if (!(await deps.store.channels.get(id))) {
        throw new AppError("CHANNEL_NOT_FOUND", `No channel with id "${id}"`);
      }
    };
    app.get(
      "/channels/:id/rejected-events",
      {
        schema: {
          operationId: "listRejectedEvents",
          summary:
            "Webhook items the channel acknowledged but did not process (unreadable, or for an account no channel owns), newest first",
          tags: ["channels"],
          params: Params,
          querystring: Query,
        },
      },
      async (req) => {
        await known(req.params.id);
        return {
          items: (await deps.store.rejectedEvents.list(req.params.id, req.query.limit)).map((r) => ({
            ...r,
            receivedAt: new Date(r.receivedAt).toISOString(),
          })),
        };
      },
    );
    // Direction, delivery status, contact, run and time; the text is left out (a log, not a chat).
    app.get(
      "/channels/:id/messages",
      {
        schema: {
          operationId: "listChannelMessages",
          tags: ["channels"],
          summary: "The channel's newest messages in and out with their delivery status (no text)",
          params: Params,
          querystring: MessagesQuery,
        },
      },
      async (req) => {
        await known(req.params.id);
        const rows = await deps.store.contacts.recentOnChannel(req.params.id, req.query.limit);
        return {
          items: rows.map((m) => ({
            id: m.id,
            direction: m.direction,
            status: m.status,
            ...(m.errors ? { errors: m.errors } : {}),
            contactId: m.contactId,
            runId: m.runId,
            createdAt: new Date(m.createdAt).toISOString(),
          })),
        };
      },
    );
  };
