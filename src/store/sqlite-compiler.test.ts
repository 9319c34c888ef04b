import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite, type SqliteDb } from "./sqlite.js";

describe("SQLite's LIMIT and OFFSET written into the SQL", () => {
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

  it("compiles a numeric limit and offset as literals, so SQLite does not prepare the statement again on every call", async () => {
    const query = store.q.selectFrom("contacts").select("name").orderBy("id").limit(2).offset(1);
    const compiled = query.compile();
    expect(compiled.sql).toMatch(/ limit 2 offset 1$/);
    expect(compiled.parameters).toEqual([]);
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
    const compiled = store.q.selectFrom("contacts").select("name").limit(hostile).offset(1.5).compile();
    expect(compiled.sql).toMatch(/ limit \? offset \?$/);
    expect(compiled.parameters).toEqual([hostile, 1.5]);
  });
});
