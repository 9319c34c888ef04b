import { newId } from "../../core/ids.js";
import type { Executor } from "../db.js";
import { lockContacts } from "./contact-locks.js";
import { conversationKey } from "./inbox-repo.js";

export interface Readdress {
  runId: string;
  contactId: string;
  channelId: string;
  /** The address the run's conversation was started with (its key's address part). */
  from: string;
  /** The address the provider says it knows the person by (`SendResult.recipient`). */
  to: string;
  now: number;
}

/**
 * Inside `store.write`: the person is known on the channel by `to` as well (an identity), and
 * their run, if it waits, moves to that conversation, where their replies will arrive. A run
 * started by the API for "+52 55…" sends to 5255…, but WhatsApp answers the send with the
 * account's wa_id 52155… and the customer's answer comes from 52155…: without this it reached
 * no run and the started one waited for ever. Nothing moves when `to` is another contact's
 * identity or already has a run of its own (those are that conversation's).
 * Returns whether the run moved.
 */
export async function readdressConversation(exec: Executor, r: Readdress): Promise<boolean> {
  const { q } = exec;
  // An erasure holds the person's row lock while it deletes their identities (retention-repo.ts).
  // PostgreSQL's lock answers only the rows still there; SQLite's answers the ids it was given.
  const [locked] = await lockContacts(exec, [r.contactId]);
  const exists =
    locked !== undefined &&
    (exec.dialect === "postgres" ||
      (await exec.get(q.selectFrom("contacts").select("id").where("id", "=", r.contactId))) !== undefined);
  if (!exists) return false;
  await exec.run(
    q
      .insertInto("contact_identities")
      .values({
        id: newId("ci", r.now),
        contact_id: r.contactId,
        channel_id: r.channelId,
        address: r.to,
        created_at: r.now,
        last_inbound_at: null,
      })
      .onConflict((oc) => oc.columns(["channel_id", "address"]).doNothing()),
  );
  const owner = await exec.get(
    q
      .selectFrom("contact_identities")
      .select("contact_id")
      .where("channel_id", "=", r.channelId)
      .where("address", "=", r.to),
  );
  if (owner?.contact_id !== r.contactId) return false;
  const toKey = conversationKey(r.channelId, r.to);
  const taken = await exec.get(
    q
      .selectFrom("runs")
      .select("id")
      .where("conversation_key", "=", toKey)
      .where("status", "in", ["waiting", "running"]),
  );
  if (taken) return false;
  const { changes } = await exec.run(
    q
      .updateTable("runs")
      .set({ conversation_key: toKey, updated_at: r.now })
      .where("id", "=", r.runId)
      .where("conversation_key", "=", conversationKey(r.channelId, r.from))
      .where("status", "=", "waiting"),
  );
  return changes > 0;
}
