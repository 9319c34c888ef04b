import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openRowCounter, rowCounts, rowsMentioning, selectRows } from "./db-inspect.js";
import type { DatabaseLocation } from "./dialect.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";

/** The inspector the erasure and secrets tests rely on must see what is there, on both dialects. */
describe("db-inspect", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("finds a needle in any column of any table of a SQLite file, and counts rows", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-inspect-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "tern.db");
    const db = new BetterSqlite3(file);
    db.exec(`CREATE TABLE people (id INTEGER, note TEXT, payload TEXT);
             INSERT INTO people VALUES (1, 'nothing', '{"phone":"4915100000001"}'), (2, 'Ada', NULL);
             CREATE TABLE empty (v TEXT);`);
    db.close();
    const at: DatabaseLocation = { dialect: "sqlite", path: file };
    expect(await rowsMentioning(at, ["4915100000001"])).toEqual([
      { table: "people", row: expect.stringContaining("4915100000001") },
    ]);
    expect(await rowsMentioning(at, ["nobody"])).toEqual([]);
    expect(await rowCounts(at)).toEqual({ empty: 0, people: 2 });
    expect(await selectRows(at, "SELECT id FROM people WHERE note = 'Ada'")).toEqual([{ id: 2 }]);
    const counter = await openRowCounter(at);
    expect(await counter.count(["people"])).toEqual({ people: 2 });
    await counter.close();
  });

  it("finds a needle in Tern's tables and in graphile-worker's job payloads on PostgreSQL", async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(`CREATE SCHEMA IF NOT EXISTS graphile_worker;
      CREATE TABLE graphile_worker.inspect_jobs (id bigint, payload json);
      INSERT INTO graphile_worker.inspect_jobs VALUES (7, '{"from":"4915100000002"}');
      INSERT INTO contacts (id, phone, name, created_at, updated_at)
        VALUES ('ct_1', '+4915100000003', 'Ada', 1, 1);`);
    const at: DatabaseLocation = { dialect: "postgres", url: database.url };
    expect(await rowsMentioning(at, ["4915100000002"])).toEqual([
      { table: "graphile_worker.inspect_jobs", row: expect.stringContaining("4915100000002") },
    ]);
    expect((await rowsMentioning(at, ["4915100000003"])).map((r) => r.table)).toEqual(["contacts"]);
    expect(await rowsMentioning(at, ["nobody"])).toEqual([]);
    // Counts cover Tern's own tables only: the job engine's rows come and go by themselves.
    const counts = await rowCounts(at);
    expect(counts).toMatchObject({ contacts: 1, runs: 0 });
    expect(Object.keys(counts).some((t) => t.startsWith("graphile_worker."))).toBe(false);
    expect(await selectRows(at, "SELECT name FROM contacts")).toEqual([{ name: "Ada" }]);
    const counter = await openRowCounter(at);
    expect(await counter.count(["contacts", "inbox"])).toEqual({ contacts: 1, inbox: 0 });
    await counter.close();
  });
});
