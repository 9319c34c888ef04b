import { createHash } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testPool } from "../../../test/helpers/postgres.js";

/**
 * Every new conversation looks for the oldest contact with its phone (`contacts.oldestByPhone`, a
 * prepared statement). Its plan must be an index seek on the phone however stale the table's
 * statistics: with only an index on (phone), the generic plan walked the primary key in id
 * order, filtering every contact (31 ms at 20,000 contacts; migration 14).
 */
describe("the oldest contact with a phone, on PostgreSQL", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = testPool(database.url, 1);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("is an index seek on the phone with statistics taken while the table was empty", async () => {
    const client = await pool.connect();
    try {
      await client.query("ALTER TABLE contacts SET (autovacuum_enabled = false)");
      await client.query("ANALYZE contacts");
      await client.query(
        `INSERT INTO contacts (id, phone, name, created_at, updated_at)
         SELECT 'ct_' || md5(i::text), '+1555' || lpad(i::text, 7, '0'), NULL, i, i
         FROM generate_series(1, 20000) AS i`,
      );
      await client.query("SET plan_cache_mode = force_generic_plan");
      await client.query(
        "PREPARE oldest(text) AS SELECT * FROM contacts WHERE phone = $1 ORDER BY id LIMIT 1",
      );
      const { rows } = await client.query<{ "QUERY PLAN": unknown }>(
        "EXPLAIN (FORMAT JSON) EXECUTE oldest('+19999999999')",
      );
      const plan = JSON.stringify(rows[0]!["QUERY PLAN"]);
      expect(plan).toContain('"Index Name":"contacts_phone_id"');
      expect(plan).toContain('"Index Cond":"(phone = $1)"');
      expect(plan).not.toContain('"Filter"');
      const found = await client.query("EXECUTE oldest('+15550000042')");
      expect(found.rows[0]).toMatchObject({
        id: `ct_${createHash("md5").update("42").digest("hex")}`,
        phone: "+15550000042",
      });
    } finally {
      client.release();
    }
  });
});
