import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPreparedCache, MAX_PREPARED, openSqlite, type SqliteDb } from "./sqlite.js";

describe("SQLite's LIMIT written into the SQL", () => {
  let dir: string;
  let store: SqliteDb;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-sqlite-limit-"));
    store = openSqlite({ path: path.join(dir, "tern.db") });
    await store.write(async (tx) => {
      for (let i = 1; i <= 5; i++) {
        await tx.run(
          tx.q
            .insertInto("contacts")
            .values({ id: `ct_${i}`, phone: null, name: `n${i}`, created_at: i, updated_at: i }),
        );
      }
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const names = (rows: Array<{ name: string | null }>) => rows.map((r) => r.name);

  it("compiles a numeric limit as a literal, so SQLite does not prepare the statement again on every call; an offset stays bound", async () => {
    const query = store.q.selectFrom("contacts").select("name").orderBy("id").limit(2).offset(1);
    const compiled = query.compile();
    expect(compiled.sql).toMatch(/ limit 2 offset \?$/);
    expect(compiled.parameters).toEqual([1]);
    expect(names(await store.all(query))).toEqual(["n2", "n3"]);
  });

  it("keeps the rows a limit selects when the same query runs with other counts", async () => {
    for (const n of [0, 1, 3, 10]) {
      const rows = await store.all(store.q.selectFrom("contacts").select("name").orderBy("id").limit(n));
      expect(rows).toHaveLength(Math.min(n, 5));
    }
  });

  it("binds a limit that is a statement's argument, as before", async () => {
    const statement = store.statement("test.firstNames", (p) =>
      store.q.selectFrom("contacts").select("name").orderBy("id").limit(p("n")),
    );
    expect(names((await statement.all({ n: 1 })) as Array<{ name: string | null }>)).toEqual(["n1"]);
    expect(names((await statement.all({ n: 4 })) as Array<{ name: string | null }>)).toHaveLength(4);
  });

  it("never writes a value that is not a whole number into the SQL", () => {
    const hostile = "1; drop table contacts" as unknown as number;
    for (const odd of [hostile, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      const compiled = store.q.selectFrom("contacts").select("name").limit(odd).compile();
      expect(compiled.sql).toMatch(/ limit \?$/);
      expect(compiled.parameters).toEqual([odd]);
    }
  });
});

describe("the prepared statements of queries built at each call", () => {
  it("keeps at most its bound, dropping the oldest, and answers every query right after dropping", () => {
    const db = new BetterSqlite3(":memory:");
    try {
      const prepare = createPreparedCache(db, 3);
      const limits = [1, 2, 3, 4, 5, 1];
      const rows = limits.map((n) =>
        prepare(
          `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k) SELECT i FROM k LIMIT ${n}`,
        ).all(),
      );
      expect(rows.map((r) => r.length)).toEqual(limits);
      expect(prepare.size).toBe(3);
      const again = prepare("SELECT 1 AS one");
      expect(prepare("SELECT 1 AS one")).toBe(again);
      expect(prepare.size).toBe(3);
    } finally {
      db.close();
    }
  });

  it("in the store, a query run with more page sizes than the bound answers each of them, the first again after it was dropped", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-sqlite-prepared-"));
    const store = openSqlite({ path: path.join(dir, "tern.db") });
    try {
      for (let n = 1; n <= MAX_PREPARED + 50; n++) {
        const rows = await store.all(store.q.selectFrom("contacts").select("id").limit(n));
        expect(rows).toEqual([]);
      }
      expect(await store.all(store.q.selectFrom("contacts").select("id").limit(1))).toEqual([]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
