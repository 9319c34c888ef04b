import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { createTestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { createSecretBox } from "../../core/secrets.js";
import { migrations } from "../migrations.js";
import { migratePostgres } from "../postgres/migrate.js";
import { openPostgresStore, openStore, type Store } from "../store.js";

const BEFORE = migrations.filter((m) => m.version < 9);

/** Rows as a database migrated before contact identities holds them: one contact per address. */
const OLD_ROWS = `
  INSERT INTO contacts (id, channel_id, address, phone, name, created_at, updated_at) VALUES
    ('ct_old000001aaaaaaaa', 'ch_wa', '4915100000201', '+4915100000201', 'Ada', 10, 10),
    ('ct_old000002bbbbbbbb', 'ch_tg', '777', NULL, 'Bob', 20, 20);
  INSERT INTO messages (id, channel_id, contact_id, direction, text, provider_message_id, effect_key,
    run_id, status, status_at, error_json, created_at) VALUES
    ('msg_1', 'ch_wa', 'ct_old000001aaaaaaaa', 'in', 'hi', 'p1', 'in:1', NULL, 'received', NULL, NULL, 30),
    ('msg_2', 'ch_wa', 'ct_old000001aaaaaaaa', 'out', 'hello', 'p2', 'k2', NULL, 'sent', NULL, NULL, 40),
    ('msg_3', 'ch_wa', 'ct_old000001aaaaaaaa', 'in', 'again', 'p3', 'in:3', NULL, 'received', NULL, NULL, 50);
`;

/** The migration to contact identities keeps every existing contact id working. Both dialects. */
describe("contact identities migration", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** A database at the last version before identities, with OLD_ROWS, then opened by this Tern. */
  async function migratedFromOldRows(): Promise<Store> {
    const box = createSecretBox(randomBytes(32));
    if (testDialect === "sqlite") {
      const dir = mkdtempSync(path.join(tmpdir(), "tern-backfill-"));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, "tern.db");
      const raw = new BetterSqlite3(file);
      raw.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      for (const m of BEFORE) {
        raw.exec(m.sql);
        raw.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(m.version, m.name, 1);
      }
      raw.exec(OLD_ROWS);
      raw.close();
      const store = openStore({ path: file, box });
      cleanup.push(() => store.close());
      return store;
    }
    const database = await createTestDatabase({ empty: true });
    cleanup.push(() => database.drop());
    const pool = testPool(database.url, 2);
    await migratePostgres(pool, BEFORE);
    await pool.query(OLD_ROWS);
    await pool.end();
    const store = await openPostgresStore({ url: database.url, box, poolSize: 2 });
    cleanup.push(() => store.close());
    return store;
  }

  it("backfills one identity per existing contact, with its last inbound message's time", async () => {
    const store = await migratedFromOldRows();
    expect(await store.contacts.get("ct_old000001aaaaaaaa")).toMatchObject({
      phone: "+4915100000201",
      name: "Ada",
      tags: [],
      attributes: {},
    });
    expect(await store.contacts.identities("ct_old000001aaaaaaaa")).toEqual([
      {
        id: "ci_old000001aaaaaaaa",
        contactId: "ct_old000001aaaaaaaa",
        channelId: "ch_wa",
        address: "4915100000201",
        createdAt: 10,
        lastInboundAt: 50,
      },
    ]);
    expect(await store.contacts.lastInboundAt("ch_tg", "777")).toBeNull();
    expect((await store.contacts.onChannel("ch_tg", "777"))?.id).toBe("ct_old000002bbbbbbbb");
    // The person writes again, and on a new channel with the same phone: the same contact.
    const again = await store.write((tx) => tx.contacts.upsert("ch_wa", "4915100000201", null, null, 60));
    const sms = await store.write((tx) =>
      tx.contacts.upsert("ch_sms", "+4915100000201", "+4915100000201", null, 70),
    );
    expect([again.id, sms.id]).toEqual(["ct_old000001aaaaaaaa", "ct_old000001aaaaaaaa"]);
    expect((await store.contacts.messages("ct_old000001aaaaaaaa")).map((m) => m.text)).toEqual([
      "hi",
      "hello",
      "again",
    ]);
  });
});
