import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { conversationKey } from "../../store/repos/inbox-repo.js";
import type { AppDeps } from "../app.js";

/** Contact ids are `newId("ct")`: anything else cannot name a contact (400, not a lookup). */
const ContactId = z.string().regex(/^ct_[0-9A-Za-z_-]{9,40}$/, "not a contact id (ct_…)");
/** E.164, as contacts store it (`channels/whatsapp/parse.ts` toE164). */
const Phone = z.string().regex(/^\+[1-9][0-9]{6,14}$/, "an E.164 phone number such as +15551234567");

/**
 * DELETE takes its target from the URL: a body is refused rather than ignored, so a client that
 * meant to send a filter there learns it was not applied. An empty body counts as none.
 */
const refuseBody = async (req: FastifyRequest) => {
  const body = req.body as unknown;
  if (body === undefined || body === null || body === "") return;
  if (typeof body === "object" && Object.keys(body).length === 0) return;
  throw new AppError("BAD_REQUEST", "DELETE takes no request body");
};

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
      async (req) => ({ items: await deps.store.contacts.list(req.query.limit) }),
    );
    app.get("/contacts/:id", { schema: { tags, params: z.object({ id: z.string() }) } }, async (req) => {
      const contact = await deps.store.contacts.get(req.params.id);
      if (!contact) throw new AppError("NOT_FOUND", `No contact with id "${req.params.id}"`);
      return { ...contact, messages: await deps.store.contacts.messages(contact.id) };
    });

    // The right to erasure: the contact, its messages, runs, step history, inbox rows, effects
    // and identifiable rejected items, in one commit (store/repos/retention-repo.ts).
    /** How many of them were erased (a concurrent erasure may have got there first). */
    const erase = async (ids: string[]): Promise<{ erased: number; queued: number }> => {
      let erased = 0;
      let queued = 0;
      for (const id of ids) {
        const contact = await deps.store.contacts.get(id);
        if (!contact) continue;
        // In the conversation's turn, so a message being handled cannot write the person back.
        const outcome = await deps.worker.erase(id, conversationKey(contact.channelId, contact.address));
        if (outcome === "erased") erased++;
        if (outcome === "queued") queued++;
      }
      return { erased, queued };
    };
    /** 204 once erased; 202 when the erasure waits for a worker (PostgreSQL, none running now). */
    const answer = (
      reply: { status(code: number): { send(body?: unknown): unknown } },
      outcome: { erased: number; queued: number },
    ) =>
      outcome.queued > 0
        ? reply.status(202).send({
            status: "queued",
            message: "The erasure is queued in the conversation's turn and completes when a worker runs it.",
          })
        : reply.status(204).send();
    app.delete(
      "/contacts/:id",
      { schema: { tags, params: z.object({ id: ContactId }) }, preHandler: refuseBody },
      async (req, reply) => {
        const outcome = await erase([req.params.id]);
        if (outcome.erased + outcome.queued === 0) {
          throw new AppError("NOT_FOUND", `No contact with id "${req.params.id}"`);
        }
        return answer(reply, outcome);
      },
    );
    app.delete(
      "/contacts",
      { schema: { tags, querystring: z.object({ phone: Phone }) }, preHandler: refuseBody },
      async (req, reply) => {
        const ids = await deps.store.retention.contactsByPhone(req.query.phone);
        const outcome = await erase(ids);
        if (outcome.erased + outcome.queued === 0) {
          throw new AppError("NOT_FOUND", "No contact with that phone number");
        }
        return answer(reply, outcome);
      },
    );
  };
