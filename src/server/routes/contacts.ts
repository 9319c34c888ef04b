import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { toE164 } from "../../core/phone.js";
import { enqueueTagRuns, publishedWithTrigger } from "../../queue/triggers.js";
import { ContactRecord, recordsOfRuns } from "../../services/contact-records.js";
import type { Contact } from "../../store/repos/contact-repo.js";
import type { Repos } from "../../store/store.js";
import type { AppDeps } from "../app.js";
import {
  ContactId,
  ContactListQuery,
  ContactMergeBody,
  ContactPatchBody,
  ContactTagsBody,
  Phone,
} from "./contact-schemas.js";

/** `<createdAt ms>:<id>`, already checked by ContactListQuery. */
const parseCursor = (cursor: string | undefined) => {
  if (!cursor) return undefined;
  const at = cursor.indexOf(":");
  return { createdAt: Number(cursor.slice(0, at)), id: cursor.slice(at + 1) };
};

const notFound = (id: string) => new AppError("NOT_FOUND", `No contact with id "${id}"`);

/** Contacts (one per person, with an identity per channel address) and their messages. */
export const contactRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["contacts"];
    const { store } = deps;
    /** `repos`: a write's own, to answer with what that write committed. */
    const withIdentities = async (contact: Contact, repos: Pick<Repos, "contacts"> = store) => ({
      ...contact,
      identities: (await repos.contacts.identities(contact.id)).map((i) => ({
        id: i.id,
        channelId: i.channelId,
        address: i.address,
        createdAt: i.createdAt,
        lastInboundAt: i.lastInboundAt,
      })),
    });
    const found = async (id: string): Promise<Contact> => {
      const contact = await store.contacts.get(id);
      if (!contact) throw notFound(id);
      return contact;
    };
    const params = z.object({ id: ContactId });

    app.get(
      "/contacts",
      {
        schema: {
          operationId: "listContacts",
          summary: "Contacts, newest first, by phone, tag or channel; paginated",
          tags,
          querystring: ContactListQuery,
        },
      },
      async (req) => {
        const { cursor, ...query } = req.query;
        // As contacts store it: WhatsApp's +52 1 … of a Mexican mobile is kept as +52 … (core/phone.ts).
        const filter = { ...query, phone: query.phone && (toE164(query.phone) ?? query.phone) };
        // One more than asked tells whether another page exists (`nextOffset`/`nextCursor`, else null).
        const rows = await store.contacts.list({
          ...filter,
          limit: filter.limit + 1,
          after: parseCursor(cursor),
        });
        const page = rows.slice(0, filter.limit);
        const last = page.at(-1);
        const hasMore = rows.length > filter.limit && last !== undefined;
        return {
          items: await Promise.all(page.map((c) => withIdentities(c))),
          // Offsets shift when a contact is created between two pages (one is listed twice); the
          // cursor continues after the last contact listed.
          nextOffset: hasMore ? filter.offset + filter.limit : null,
          nextCursor: hasMore ? `${last.createdAt}:${last.id}` : null,
        };
      },
    );
    app.get(
      "/contacts/:id",
      {
        schema: {
          operationId: "getContact",
          summary: "One contact with its identities and messages",
          tags,
          params,
        },
      },
      async (req) => {
        const contact = await found(req.params.id);
        return { ...(await withIdentities(contact)), messages: await store.contacts.messages(contact.id) };
      },
    );
    // Records the contact's runs made or found: a step output `{ id, url }` (salesforce.create,
    // upsert, find, get). Read from the step history of the newest runs, so it stays cheap.
    app.get(
      "/contacts/:id/records",
      {
        schema: {
          operationId: "listContactRecords",
          tags,
          summary: "Records in business systems (Salesforce) the contact's newest 50 runs made or found",
          params,
          response: { 200: z.object({ items: z.array(ContactRecord) }) },
        },
      },
      async (req) => {
        const contact = await found(req.params.id);
        return { items: await recordsOfRuns(store, { contactId: contact.id }) };
      },
    );
    app.post(
      "/contacts/:id/tags",
      {
        schema: {
          operationId: "tagContact",
          summary: "Add and remove a contact's tags; flows triggered by a tag added start",
          tags,
          params,
          body: ContactTagsBody,
        },
      },
      async (req) => {
        const { add, remove } = req.body;
        // A tag gained starts the flows triggered by it, queued with the change (queue/triggers.ts).
        const tagFlows = add?.length ? await publishedWithTrigger(store, deps.flows.load, "tag") : [];
        const { contact, keys } = await store.write(async (tx) => {
          const before = tagFlows.length ? (await tx.contacts.get(req.params.id))?.tags : undefined;
          const changed = await tx.contacts.change(
            req.params.id,
            { addTags: add, removeTags: remove },
            Date.now(),
          );
          const queued =
            changed && before
              ? await enqueueTagRuns(tx, tagFlows, changed.id, before, changed.tags, Date.now())
              : [];
          return { contact: changed, keys: queued };
        });
        if (!contact) throw notFound(req.params.id);
        deps.worker.notify(keys);
        return withIdentities(contact);
      },
    );
    app.patch(
      "/contacts/:id",
      {
        schema: {
          operationId: "updateContact",
          summary: "Change a contact's name or attributes",
          tags,
          params,
          body: ContactPatchBody,
        },
      },
      async (req) => {
        const { name, attributes } = req.body;
        const contact = await store.write((tx) =>
          tx.contacts.change(
            req.params.id,
            { ...(name !== undefined ? { name } : {}), ...(attributes ? { attributes } : {}) },
            Date.now(),
          ),
        );
        if (!contact) throw notFound(req.params.id);
        return withIdentities(contact);
      },
    );
    // Two contacts found to be one person: identities, messages, runs, tags (union) and
    // attributes (this contact's win) move here in one commit; `from` then answers 404.
    app.post(
      "/contacts/:id/merge",
      {
        schema: {
          operationId: "mergeContacts",
          summary: "Merge another contact (`from`) into this one",
          tags,
          params,
          body: ContactMergeBody,
        },
      },
      async (req) => {
        if (req.body.from === req.params.id) {
          throw new AppError(
            "BAD_REQUEST",
            "a contact cannot be merged into itself: from names this contact",
          );
        }
        // The answer is read in the merge's own write: an erasure right after it must not turn a
        // merge that happened into a 404 (the client would think `from` untouched).
        const outcome = await store.write(async (tx) => {
          const merged = await tx.contacts.merge(req.params.id, req.body.from, Date.now());
          if (merged.status === "missing") return merged;
          const contact = await tx.contacts.get(req.params.id);
          return { status: "merged" as const, view: contact ? await withIdentities(contact, tx) : null };
        });
        if (outcome.status === "missing") throw notFound(outcome.id);
        if (!outcome.view) throw notFound(req.params.id);
        return outcome.view;
      },
    );

    // The right to erasure: the person with every identity, their messages, runs, step history,
    // inbox rows, effects and identifiable rejected items (store/repos/retention-repo.ts).
    /** How many of them were erased (a concurrent erasure may have got there first). */
    const erase = async (ids: string[]): Promise<{ erased: number; queued: number }> => {
      let erased = 0;
      let queued = 0;
      for (const id of ids) {
        // Each conversation in its turn, so a message being handled cannot write the person back.
        const outcome = await deps.worker.erase(id);
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
    // Erasure: a query parameter or a body is refused (app.ts), not ignored (`?tag=x` erased the
    // person whatever x): the target is the URL.
    app.delete(
      "/contacts/:id",
      {
        schema: {
          operationId: "eraseContact",
          summary: "Erase a contact and their conversations, runs and identities (the right to erasure)",
          tags,
          params,
        },
      },
      async (req, reply) => {
        const outcome = await erase([req.params.id]);
        if (outcome.erased + outcome.queued === 0) throw notFound(req.params.id);
        return answer(reply, outcome);
      },
    );
    app.delete(
      "/contacts",
      {
        schema: {
          operationId: "eraseContactsByPhone",
          summary:
            "Erase everyone with this phone: contacts, conversations, runs, and messages not yet processed",
          tags,
          querystring: z.strictObject({ phone: Phone }),
        },
      },
      async (req, reply) => {
        const phone = toE164(req.query.phone) ?? req.query.phone;
        const outcome = await erase(await store.retention.contactsByPhone(phone));
        // No contact yet, but messages from the number acknowledged and not handled (a backlog,
        // no worker running): they are the person's data too. Handled meanwhile (even between the
        // two looks, when none is found waiting), one became a contact, committed with its
        // message marked handled: the second look erases it.
        const pending =
          outcome.erased + outcome.queued === 0 ? await deps.worker.erasePendingFrom(phone) : undefined;
        if (pending === "erased") outcome.erased++;
        if (pending === "queued") outcome.queued++;
        if (pending !== undefined) {
          const late = await erase(await store.retention.contactsByPhone(phone));
          outcome.erased += late.erased;
          outcome.queued += late.queued;
        }
        if (outcome.erased + outcome.queued === 0) {
          throw new AppError("NOT_FOUND", "No contact, and no message waiting, with that phone number");
        }
        return answer(reply, outcome);
      },
    );
  };
