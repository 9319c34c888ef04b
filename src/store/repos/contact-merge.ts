import type { Executor } from "../db.js";
import { lockContacts } from "./contact-locks.js";
import { parseAttributes } from "./contact-values.js";

export type MergeOutcome = { status: "merged" } | { status: "missing"; id: string };

/**
 * Merging two contacts found to be one person: everything of `fromId` moves to `intoId` in the
 * caller's transaction (`store.write`), then `fromId` is gone. Conversation keys are per
 * identity (channel + address), so moved identities keep their conversations and runs.
 */
export function createContactMerge(exec: Executor) {
  const { q } = exec;
  return {
    async merge(intoId: string, fromId: string, now: number): Promise<MergeOutcome> {
      await lockContacts(exec, [intoId, fromId]);
      // A contact being erased is, to a merge, already gone: the erasure wins, whole.
      const erasing = await exec.all(
        q.selectFrom("contact_erasures").select("contact_id").where("contact_id", "in", [intoId, fromId]),
      );
      const isErasing = (id: string) => erasing.some((row) => row.contact_id === id);
      if (isErasing(intoId)) return { status: "missing", id: intoId };
      if (isErasing(fromId)) return { status: "missing", id: fromId };
      const into = await exec.get(q.selectFrom("contacts").selectAll().where("id", "=", intoId));
      if (!into) return { status: "missing", id: intoId };
      const from = await exec.get(q.selectFrom("contacts").selectAll().where("id", "=", fromId));
      if (!from) return { status: "missing", id: fromId };
      for (const table of ["contact_identities", "messages", "runs"] as const) {
        await exec.run(q.updateTable(table).set({ contact_id: intoId }).where("contact_id", "=", fromId));
      }
      const tags = await exec.all(
        q.selectFrom("contact_tags").select("tag").where("contact_id", "=", fromId),
      );
      if (tags.length) {
        await exec.run(
          q
            .insertInto("contact_tags")
            .values(tags.map((t) => ({ contact_id: intoId, tag: t.tag })))
            .onConflict((oc) => oc.columns(["contact_id", "tag"]).doNothing()),
        );
      }
      await exec.run(q.deleteFrom("contact_tags").where("contact_id", "=", fromId));
      // An opt-out (STOP) of either is the person's: it stays.
      const optOut = await exec.get(
        q.selectFrom("contact_opt_outs").selectAll().where("contact_id", "=", fromId),
      );
      if (optOut) {
        await exec.run(
          q
            .insertInto("contact_opt_outs")
            .values({ ...optOut, contact_id: intoId })
            .onConflict((oc) => oc.column("contact_id").doNothing()),
        );
        await exec.run(q.deleteFrom("contact_opt_outs").where("contact_id", "=", fromId));
      }
      // The target's attributes, name and phone win; the other contact's fill what it lacks.
      const attributes = {
        ...parseAttributes(String(from.attributes_json)),
        ...parseAttributes(String(into.attributes_json)),
      };
      await exec.run(
        q
          .updateTable("contacts")
          .set({
            attributes_json: JSON.stringify(attributes),
            phone: into.phone ?? from.phone,
            name: into.name ?? from.name,
            updated_at: now,
          })
          .where("id", "=", intoId),
      );
      await exec.run(q.deleteFrom("contacts").where("id", "=", fromId));
      return { status: "merged" };
    },
  };
}
