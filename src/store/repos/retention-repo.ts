import { sql } from "kysely";
import { phoneAddresses, samePersonPhones } from "../../core/phone.js";
import type { Executor } from "../db.js";
import { withSecureDelete } from "../sqlite-vacuum.js";
import { lockContacts } from "./contact-locks.js";
import { conversationKey } from "./inbox-repo.js";

/**
 * Pruning of old history, one bounded batch per call (each call runs inside one `store.write`,
 * so a batch is one short transaction shared with the hot path's group commit). Plain Kysely
 * queries: a PostgreSQL dialect can run them as they are.
 *
 * Old rows are found without new indexes: run, message and effect ids start with their creation
 * time (`core/ids.ts`, "run_<time36>…", effect keys "<runId>:<visit>:<n>"), so "created before the
 * cutoff" is a range on the primary key. Inbox and rejected rows have increasing integer ids and
 * are walked from the oldest with a cursor.
 */
export interface PruneCutoffs {
  /** Run history, messages, bodies and rejected items received/finished before this are pruned. */
  historyBefore: number;
  /** Processed inbox rows received before this are deleted (their dedupe key with them). */
  dedupeBefore: number;
}

/** The smallest id `newId(prefix, t)` can produce for any time ≥ t: ids below it are older. */
export const idBound = (prefix: string, t: number): string => `${prefix}_${t.toString(36).padStart(9, "0")}`;

/** Effect keys of one run: "<runId>:…". A range, not LIKE: run ids contain `_`, a LIKE wildcard. */
const effectKeyRange = (runId: string) => ({ from: `${runId}:`, to: `${runId};` });

/** A LIKE pattern matching text that contains `needle` literally (a backslash escapes). */
const likeContaining = (needle: string) => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const FINAL = ["completed", "failed", "ended"] as const;

/** A full page means more may follow: continue after its last key. */
const nextOf = <K>(page: Array<{ id: K }>, limit: number): K | null =>
  page.length < limit ? null : (page.at(-1)?.id ?? null);

export function createRetentionRepo(exec: Executor) {
  const { q } = exec;
  const existingRuns = async (ids: string[]): Promise<Set<string>> =>
    new Set(
      ids.length
        ? (await exec.all(q.selectFrom("runs").select("id").where("id", "in", ids))).map((r) => r.id)
        : [],
    );
  const changes = async (query: Parameters<Executor["run"]>[0]): Promise<number> =>
    (await exec.run(query)).changes;

  /** Deletes runs with their steps, messages and effects (`in_flight` ones only `withInFlight`). */
  const deleteRuns = async (
    runIds: string[],
    options: { withInFlight?: boolean } = {},
  ): Promise<{ runs: number; runSteps: number; messages: number; effects: number }> => {
    const counts = { runs: 0, runSteps: 0, messages: 0, effects: 0 };
    if (runIds.length === 0) return counts;
    for (const runId of runIds) {
      const { from, to } = effectKeyRange(runId);
      let query = q.deleteFrom("effects").where("key", ">=", from).where("key", "<", to);
      if (!options.withInFlight) query = query.where("status", "!=", "in_flight");
      counts.effects += await changes(query);
    }
    counts.runSteps = await changes(q.deleteFrom("run_steps").where("run_id", "in", runIds));
    counts.messages = await changes(q.deleteFrom("messages").where("run_id", "in", runIds));
    counts.runs = await changes(q.deleteFrom("runs").where("id", "in", runIds));
    // An Idempotency-Key answers its run: with the run gone it would answer a run nobody can read.
    await exec.run(q.deleteFrom("trigger_requests").where("run_id", "in", runIds));
    return counts;
  };

  /** Ends the runs (so a lane holding one in memory stops at its next step), then deletes them. */
  const endAndDeleteRuns = async (runIds: string[], now: number): Promise<void> => {
    if (runIds.length) {
      await exec.run(
        q
          .updateTable("runs")
          .set({ status: "ended", timeout_at: null, updated_at: now })
          .where("id", "in", runIds)
          .where("status", "in", ["waiting", "running"]),
      );
    }
    await deleteRuns(runIds, { withInFlight: true });
  };

  /** Rejected webhook items whose text contains one of these (an address, a phone number). */
  const deleteRejectedNaming = async (needles: Array<string | null | undefined>): Promise<void> => {
    for (const needle of new Set(needles.filter((n): n is string => !!n && n.length >= 3))) {
      await exec.run(
        q
          .deleteFrom("rejected_events")
          .where(sql<boolean>`item_json like ${likeContaining(needle)} escape '\\'`),
      );
    }
  };

  /** One identity's conversation: its runs and their history, inbox rows, rejected items, the identity. */
  const eraseIdentity = async (
    identity: { id: string; contact_id: string; channel_id: string; address: string },
    now: number,
  ): Promise<void> => {
    const key = conversationKey(identity.channel_id, identity.address);
    const runIds = (
      await exec.all(
        q
          .selectFrom("runs")
          .select("id")
          .where("contact_id", "=", identity.contact_id)
          .where("conversation_key", "=", key),
      )
    ).map((r) => r.id);
    await endAndDeleteRuns(runIds, now);
    // Messages that belong to no run are on the channel only (messages carry no address).
    await exec.run(
      q
        .deleteFrom("messages")
        .where("contact_id", "=", identity.contact_id)
        .where("channel_id", "=", identity.channel_id),
    );
    // Inbox bodies hold their text and phone number; pending ones too (erasure wins over
    // processing). The dedupe keys go with them: see README "Retention and erasure".
    await exec.run(q.deleteFrom("inbox").where("conversation_key", "=", key));
    await deleteRejectedNaming([identity.address]);
    await exec.run(q.deleteFrom("contact_identities").where("id", "=", identity.id));
  };

  const identitiesOf = (contactId: string) =>
    exec.all(q.selectFrom("contact_identities").selectAll().where("contact_id", "=", contactId));

  const erase = async (contactId: string, now: number): Promise<boolean> => {
    // After a merge into this contact that holds the lock: its identities are then read below.
    await lockContacts(exec, [contactId]);
    const contact = await exec.get(q.selectFrom("contacts").selectAll().where("id", "=", contactId));
    // The mark of this erasure (`markErasing`) goes with the person, or alone when already gone.
    await exec.run(q.deleteFrom("contact_erasures").where("contact_id", "=", contactId));
    if (!contact) return false;
    for (const identity of await identitiesOf(contactId)) await eraseIdentity(identity, now);
    // Whatever no identity's conversation held (runs started through the API, say).
    const runIds = (
      await exec.all(q.selectFrom("runs").select("id").where("contact_id", "=", contactId))
    ).map((r) => r.id);
    await endAndDeleteRuns(runIds, now);
    await exec.run(q.deleteFrom("messages").where("contact_id", "=", contactId));
    await deleteRejectedNaming([contact.phone, contact.phone?.replace(/^\+/, "")]);
    await exec.run(q.deleteFrom("contact_tags").where("contact_id", "=", contactId));
    await exec.run(q.deleteFrom("contact_opt_outs").where("contact_id", "=", contactId));
    await exec.run(q.deleteFrom("contacts").where("id", "=", contactId));
    return true;
  };

  /** Whether a conversation key (`channelId:address`) is someone's identity. */
  const hasIdentity = async (key: string): Promise<boolean> => {
    const split = key.indexOf(":");
    const identity = await exec.get(
      q
        .selectFrom("contact_identities")
        .select("id")
        .where("channel_id", "=", key.slice(0, split))
        .where("address", "=", key.slice(split + 1)),
    );
    return identity !== undefined;
  };
  return {
    /**
     * Inside `store.write`, one commit: erases a contact and everything that names them (the
     * right to erasure). Their waiting run is ended first, so a lane holding it in memory stops
     * at its next step (`worker.ts` assertActive) instead of writing on. False: no such contact.
     */
    eraseContact(contactId: string, now: number): Promise<boolean> {
      return withSecureDelete(exec, () => erase(contactId, now));
    },

    /**
     * Inside `store.write`, before the first step of an erasure: marks the contact as being erased,
     * so no merge takes it (or merges into it) between the erasure's steps, each its own commit
     * (contact-merge.ts reads the mark under the same row lock). False: no such contact, e.g. a
     * merge that committed first took it away.
     */
    async markErasing(contactId: string, now: number): Promise<boolean> {
      if ((await lockContacts(exec, [contactId])).length === 0) return false;
      if (!(await exec.get(q.selectFrom("contacts").select("id").where("id", "=", contactId)))) return false;
      await exec.run(
        q
          .insertInto("contact_erasures")
          .values({ contact_id: contactId, requested_at: now })
          .onConflict((oc) => oc.column("contact_id").doNothing()),
      );
      return true;
    },

    /**
     * Inside `store.write`, in the conversation's turn: erases one identity of a contact and its
     * conversation, so erasing a person on several channels never interleaves with a message
     * being handled in any of them. False: the contact has no identity there (any more).
     */
    eraseIdentity(contactId: string, channelId: string, address: string, now: number): Promise<boolean> {
      return withSecureDelete(exec, async () => {
        const identity = await exec.get(
          q
            .selectFrom("contact_identities")
            .selectAll()
            .where("channel_id", "=", channelId)
            .where("address", "=", address)
            .where("contact_id", "=", contactId),
        );
        if (!identity) return false;
        await eraseIdentity(identity, now);
        return true;
      });
    },

    /**
     * Conversations of messages waiting in the inbox from this phone number (E.164, or its digits
     * as WhatsApp and Vonage write it) on a channel where it is nobody's identity yet: the
     * person's first message there, stored but not handled when the erasure came. Erasure wins
     * over them too (`eraseStrayConversation`, in each one's turn).
     */
    async strayConversations(phone: string): Promise<string[]> {
      const addresses = phoneAddresses(phone);
      const keys = await exec.all(
        q
          .selectFrom("inbox")
          .select("conversation_key")
          .distinct()
          .where("processed_at", "is", null)
          .where((eb) => eb.or(addresses.map((a) => eb("conversation_key", "like", `%:${a}`)))),
      );
      const strays: string[] = [];
      for (const { conversation_key: key } of keys) {
        if (!addresses.includes(key.slice(key.indexOf(":") + 1))) continue;
        if (!(await hasIdentity(key))) strays.push(key);
      }
      return strays;
    },

    /**
     * Inside `store.write`, in the conversation's turn: the inbox rows of a stray conversation
     * (`strayConversations`). False when it became someone's identity meanwhile (its message was
     * handled first): that identity's erasure then takes it.
     */
    eraseStrayConversation(key: string): Promise<boolean> {
      return withSecureDelete(exec, async () => {
        if (await hasIdentity(key)) return false;
        await exec.run(q.deleteFrom("inbox").where("conversation_key", "=", key));
        return true;
      });
    },

    /** Contact ids with this phone number (E.164, in any form of it: samePersonPhones), on any channel. */
    async contactsByPhone(phone: string): Promise<string[]> {
      const phones = samePersonPhones(phone);
      return (await exec.all(q.selectFrom("contacts").select("id").where("phone", "in", phones))).map(
        (r) => r.id,
      );
    },

    /**
     * Inside `store.write`: one page of runs created before the cutoff, from `after` on; those
     * finished before the cutoff are deleted. Returns where the next page starts (null: done).
     */
    async pruneRuns(before: number, after: string, limit: number) {
      const page = await exec.all(
        q
          .selectFrom("runs")
          .select(["id", "status", "updated_at"])
          .where("id", ">", after)
          .where("id", "<", idBound("run", before))
          .orderBy("id")
          .limit(limit),
      );
      const ids = page
        .filter((r) => (FINAL as readonly string[]).includes(r.status) && r.updated_at < before)
        .map((r) => r.id);
      // An effect of a finished run still `in_flight` is an outcome that stayed unknown after
      // every attempt while the flow went on (a step's onError): kept while the run could be
      // retried, it goes with the run, as nothing can ever reconcile it after.
      return { ...(await deleteRuns(ids, { withInFlight: true })), next: nextOf(page, limit) };
    },

    /**
     * Inside `store.write`: one page of messages older than the cutoff; those that belong to no
     * stored run go (inbound messages no flow took, or whose run is gone). A run's own messages
     * go with it, so a long conversation's transcript stays whole while its run is kept.
     */
    async pruneLooseMessages(before: number, after: string, limit: number) {
      const page = await exec.all(
        q
          .selectFrom("messages")
          .select(["id", "run_id", "created_at"])
          .where("id", ">", after)
          .where("id", "<", idBound("msg", before))
          .orderBy("id")
          .limit(limit),
      );
      const runIds = [...new Set(page.flatMap((r) => (r.run_id ? [r.run_id] : [])))];
      const kept = await existingRuns(runIds);
      const ids = page
        .filter((r) => r.created_at < before && (r.run_id === null || !kept.has(r.run_id)))
        .map((r) => r.id);
      const messages = ids.length ? await changes(q.deleteFrom("messages").where("id", "in", ids)) : 0;
      return { messages, next: nextOf(page, limit) };
    },

    /**
     * Inside `store.write`: effects older than the cutoff whose run is gone. Walks keys in
     * order from `after`; returns where to continue (null when past the cutoff).
     */
    async pruneOrphanEffects(before: number, after: string, limit: number) {
      const rows = await exec.all(
        q
          .selectFrom("effects")
          .select(["key", "status", "intent_at"])
          .where("key", ">", after)
          // Only keys of runs ("run_<time>…:visit:n"), whatever else might share the table.
          .where("key", ">=", "run_")
          .where("key", "<", idBound("run", before))
          .orderBy("key")
          .limit(limit),
      );
      const runOf = (key: string) => key.slice(0, key.indexOf(":"));
      const kept = await existingRuns([...new Set(rows.map((r) => runOf(r.key)))]);
      const doomed = rows.filter((r) => r.intent_at < before && !kept.has(runOf(r.key))).map((r) => r.key);
      const effects = doomed.length ? await changes(q.deleteFrom("effects").where("key", "in", doomed)) : 0;
      return {
        effects,
        next: nextOf(
          rows.map((r) => ({ id: r.key })),
          limit,
        ),
      };
    },

    /**
     * Inside `store.write`: processed inbox rows. Past `dedupeBefore` the row goes; between the
     * two cutoffs (a retention shorter than the providers' redelivery window) only its body is
     * blanked, so a redelivery still hits the unique key. Unprocessed rows are never touched.
     */
    async pruneInbox(cutoffs: PruneCutoffs, afterId: number, limit: number) {
      const latest = Math.max(cutoffs.historyBefore, cutoffs.dedupeBefore);
      const rows = await exec.all(
        q
          .selectFrom("inbox")
          .select(["id", "received_at", "processed_at", sql<number>`length(event_json)`.as("size")])
          .where("id", ">", afterId)
          .orderBy("id")
          .limit(limit),
      );
      const old = rows.filter((r) => r.received_at < latest);
      const done = old.filter((r) => r.processed_at !== null);
      const del = done.filter((r) => r.received_at < cutoffs.dedupeBefore).map((r) => r.id);
      const blank = done
        .filter(
          (r) => r.received_at >= cutoffs.dedupeBefore && r.received_at < cutoffs.historyBefore && r.size > 2,
        )
        .map((r) => r.id);
      const deleted = del.length ? await changes(q.deleteFrom("inbox").where("id", "in", del)) : 0;
      const blanked = blank.length
        ? await changes(q.updateTable("inbox").set({ event_json: "{}" }).where("id", "in", blank))
        : 0;
      // Ids grow with arrival: the first row newer than both cutoffs ends the walk.
      const isPast = rows.length < limit || old.length < rows.length;
      return {
        inboxDeleted: deleted,
        inboxBlanked: blanked,
        next: isPast ? null : (rows.at(-1)?.id ?? null),
      };
    },

    /**
     * Inside `store.write`: one batch of schedule firings scheduled before the cutoff, flow by flow
     * (the primary key's order). Such a time is missed by far more than the hour a schedule may
     * fire late (`queue/scheduler.ts`), so without its row it still never fires again; kept, a
     * schedule every minute added half a million rows a year. `from` is the flow to go on with,
     * and whether it is done.
     */
    async pruneScheduleFirings(before: number, from: { flowId: string; isDone: boolean }, limit: number) {
      const [flow] = await exec.all(
        q
          .selectFrom("schedule_firings")
          .select("flow_id")
          .where("flow_id", from.isDone ? ">" : ">=", from.flowId)
          .orderBy("flow_id")
          .limit(1),
      );
      if (!flow) return { scheduleFirings: 0, next: null };
      const times = await exec.all(
        q
          .selectFrom("schedule_firings")
          .select("scheduled_at")
          .where("flow_id", "=", flow.flow_id)
          .where("scheduled_at", "<", before)
          .orderBy("scheduled_at")
          .limit(limit),
      );
      const last = times.at(-1)?.scheduled_at;
      const scheduleFirings =
        last === undefined
          ? 0
          : await changes(
              q
                .deleteFrom("schedule_firings")
                .where("flow_id", "=", flow.flow_id)
                .where("scheduled_at", "<=", last),
            );
      return { scheduleFirings, next: { flowId: flow.flow_id, isDone: times.length < limit } };
    },

    /** Inside `store.write`: rejected webhook items received before the cutoff (oldest first). */
    async pruneRejected(before: number, limit: number) {
      const ids = (
        await exec.all(
          q.selectFrom("rejected_events").select(["id", "received_at"]).orderBy("id").limit(limit),
        )
      )
        .filter((r) => r.received_at < before)
        .map((r) => r.id);
      const rejected = ids.length ? await changes(q.deleteFrom("rejected_events").where("id", "in", ids)) : 0;
      return { rejected, isDone: ids.length < limit };
    },

    /**
     * Inside `store.write`: one page of contacts created before the cutoff; those nobody wrote to
     * since and that nothing refers to any more (their runs and messages were pruned) go: the
     * last of a person's identity.
     */
    async pruneContacts(before: number, after: string, limit: number) {
      const page = await exec.all(
        q
          .selectFrom("contacts")
          .select("id")
          .where("id", ">", after)
          .where("id", "<", idBound("ct", before))
          .orderBy("id")
          .limit(limit),
      );
      const ids = page.map((r) => r.id);
      const doomed = ids.length
        ? (
            await exec.all(
              q
                .selectFrom("contacts")
                .select("id")
                .where("id", "in", ids)
                .where("updated_at", "<", before)
                .where((eb) =>
                  eb.and([
                    eb.not(
                      eb.exists(
                        eb
                          .selectFrom("runs")
                          .select("runs.id")
                          .whereRef("runs.contact_id", "=", "contacts.id"),
                      ),
                    ),
                    eb.not(
                      eb.exists(
                        eb
                          .selectFrom("messages")
                          .select("messages.id")
                          .whereRef("messages.contact_id", "=", "contacts.id"),
                      ),
                    ),
                    // An opt-out (STOP) must outlive the history: without the contact it names,
                    // the person's next conversation would be a new contact that may be sent to.
                    eb.not(
                      eb.exists(
                        eb
                          .selectFrom("contact_opt_outs")
                          .select("contact_opt_outs.contact_id")
                          .whereRef("contact_opt_outs.contact_id", "=", "contacts.id"),
                      ),
                    ),
                    // An identity that wrote since the cutoff keeps the person.
                    eb.not(
                      eb.exists(
                        eb
                          .selectFrom("contact_identities")
                          .select("contact_identities.id")
                          .whereRef("contact_identities.contact_id", "=", "contacts.id")
                          .where("contact_identities.last_inbound_at", ">=", before),
                      ),
                    ),
                  ]),
                ),
            )
          ).map((r) => r.id)
        : [];
      if (doomed.length) {
        await exec.run(q.deleteFrom("contact_identities").where("contact_id", "in", doomed));
        await exec.run(q.deleteFrom("contact_tags").where("contact_id", "in", doomed));
      }
      const contacts = doomed.length ? await changes(q.deleteFrom("contacts").where("id", "in", doomed)) : 0;
      return { contacts, next: nextOf(page, limit) };
    },
  };
}
export type RetentionRepo = ReturnType<typeof createRetentionRepo>;
