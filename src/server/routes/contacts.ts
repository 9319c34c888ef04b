import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { AppDeps } from "../app.js";

/** Contacts and the messages exchanged with them (with delivery status). */
export const contactRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["contacts"];
    app.get(
      "/contacts",
      {
        schema: {
          tags,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        },
      },
      async (req) => ({ items: deps.store.contacts.list(req.query.limit) }),
    );
    app.get("/contacts/:id", { schema: { tags, params: z.object({ id: z.string() }) } }, async (req) => {
      const contact = deps.store.contacts.get(req.params.id);
      if (!contact) throw new AppError("NOT_FOUND", `No contact with id "${req.params.id}"`);
      return { ...contact, messages: deps.store.contacts.messages(contact.id) };
    });
  };
