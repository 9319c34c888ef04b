import { describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { usePostgresStoreAndPool } from "../../../test/helpers/pg-jobs.js";

/**
 * A person writes on a second channel while their erasure commits (an outside audit erased
 * people under load): the new identity must not be attached to the person being deleted, or it
 * outlives them and every later message from that address fails on its unique key.
 */
describe.skipIf(testDialect !== "postgres")("a new identity racing the erasure of its person", () => {
  const db = usePostgresStoreAndPool();

  it("goes to a new person once the erasure has committed, and nothing points at the erased one", async () => {
    const { store, pool } = db;
    const phone = "+15557000186";
    const erased = await store.write((tx) =>
      tx.contacts.upsert("ch_a", "15557000186", phone, "Ada", Date.now()),
    );
    const erasure = await pool.connect();
    try {
      // The erasure holds the person's row (as retention-repo's erase does) and deletes them.
      await erasure.query("begin");
      await erasure.query("select id from contacts where id = $1 for update", [erased.id]);
      await erasure.query("delete from contact_identities where contact_id = $1", [erased.id]);
      await erasure.query("delete from contacts where id = $1", [erased.id]);
      // Meanwhile a message from the same phone on another channel.
      const arriving = store.write((tx) =>
        tx.contacts.upsert("ch_b", "15557000186", phone, "Ada", Date.now()),
      );
      const deadline = Date.now() + 10_000;
      while (!(await pool.query("select 1 from pg_stat_activity where wait_event_type = 'Lock'")).rowCount) {
        if (Date.now() > deadline) throw new Error("the message never waited for the erasure");
        await new Promise((r) => setTimeout(r, 10));
      }
      await erasure.query("commit");
      const person = await arriving;
      expect(person.id).not.toBe(erased.id);
    } finally {
      erasure.release();
    }
    const orphans = await pool.query(
      "select i.id from contact_identities i left join contacts c on c.id = i.contact_id where c.id is null",
    );
    expect(orphans.rows).toEqual([]);
    // And the person writes again: known, not refused.
    const again = await store.write((tx) =>
      tx.contacts.upsert("ch_b", "15557000186", phone, "Ada", Date.now()),
    );
    expect(again.id).not.toBe(erased.id);
  });
});
