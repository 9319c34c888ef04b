import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { AppDeps } from "../app.js";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * Webhook items a channel acknowledged but did not process (an item that did not parse, or one
 * addressed to an account no channel owns), newest first, as received.
 */
export const rejectedEventRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    app.get(
      "/channels/:id/rejected-events",
      { schema: { tags: ["channels"], params: z.object({ id: z.string() }), querystring: Query } },
      async (req) => {
        if (!(await deps.store.channels.get(req.params.id))) {
          throw new AppError("CHANNEL_NOT_FOUND", `No channel with id "${req.params.id}"`);
        }
        return {
          items: (await deps.store.rejectedEvents.list(req.params.id, req.query.limit)).map((r) => ({
            ...r,
            receivedAt: new Date(r.receivedAt).toISOString(),
          })),
        };
      },
    );
  };
