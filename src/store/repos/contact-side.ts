import type { ExpressionBuilder } from "kysely";
import type { Database } from "../database.js";
import type { Executor } from "../db.js";

/**
 * The built-in sandbox and the user's own channels never share a person. A contact is joined by
 * phone across channels (docs/contacts.md), so without this a sandbox customer and a real one
 * with the same number were one contact: a STOP played in the sandbox silenced the real customer
 * on the real channel, and a sandbox restarted in a data dir of real contacts read their names,
 * tags and attributes into sandbox runs (and the sandbox org).
 *
 * Two halves: a message on a sandbox channel joins by phone only a contact the sandbox has met
 * (an identity on a sandbox channel); and when the sandbox steps aside, its contacts stop being
 * anyone's phone (`detachSandboxContacts`), since its channels, the only record of whose they
 * were, are deleted then.
 */
export function phoneJoinableFrom(eb: ExpressionBuilder<Database, "contacts">, channelId: string) {
  const isSandboxChannel = eb
    .selectFrom("channels")
    .select("channels.id")
    .where("channels.id", "=", channelId)
    .where("channels.owner", "=", "sandbox");
  const metBySandbox = eb
    .selectFrom("contact_identities")
    .innerJoin("channels", "channels.id", "contact_identities.channel_id")
    .select("contact_identities.id")
    .whereRef("contact_identities.contact_id", "=", "contacts.id")
    .where("channels.owner", "=", "sandbox");
  return eb.or([eb.not(eb.exists(isSandboxChannel)), eb.exists(metBySandbox)]);
}

/**
 * Inside the write that retires the sandbox: the contacts it met only on its own channels keep
 * their history but lose their phone, so a real message from that number starts a contact of its
 * own (no sandbox opt-out, tags or attributes).
 */
export async function detachSandboxContacts(
  exec: Executor,
  sandboxChannelIds: string[],
  now: number,
): Promise<void> {
  if (sandboxChannelIds.length === 0) return;
  const { q } = exec;
  await exec.run(
    q
      .updateTable("contacts")
      .set({ phone: null, updated_at: now })
      .where("phone", "is not", null)
      .where((eb) =>
        eb.and([
          eb.exists(
            eb
              .selectFrom("contact_identities")
              .select("contact_identities.id")
              .whereRef("contact_identities.contact_id", "=", "contacts.id")
              .where("contact_identities.channel_id", "in", sandboxChannelIds),
          ),
          eb.not(
            eb.exists(
              eb
                .selectFrom("contact_identities")
                .select("contact_identities.id")
                .whereRef("contact_identities.contact_id", "=", "contacts.id")
                .where("contact_identities.channel_id", "not in", sandboxChannelIds),
            ),
          ),
        ]),
      ),
  );
}
