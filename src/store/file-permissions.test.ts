import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "./sqlite.js";

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("database file permissions", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-perm-"));
    file = path.join(dir, "tern.db");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeOnce = async (store: ReturnType<typeof openSqlite>) =>
    store.write((tx) =>
      tx.run(
        tx.q.insertInto("flows").values({
          id: "f1",
          name: "x",
          latest_version: 1,
          published_version: null,
          owner: "user",
          created_at: 1,
          updated_at: 1,
        }),
      ),
    );

  it("creates the database, its WAL and SHM files readable by the owner only", async () => {
    const store = openSqlite({ path: file });
    await writeOnce(store);
    try {
      expect(modeOf(file).toString(8)).toBe("600");
      expect(modeOf(`${file}-wal`).toString(8)).toBe("600");
      expect(modeOf(`${file}-shm`).toString(8)).toBe("600");
    } finally {
      await store.close();
    }
  });

  it("tightens a database and WAL left world-readable by an older version", async () => {
    // An older Tern let SQLite create the files: 0644 under the usual umask.
    const old = new BetterSqlite3(file);
    old.pragma("journal_mode = WAL");
    old.pragma("wal_autocheckpoint = 0");
    old.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
    const store = openSqlite({ path: file });
    try {
      await writeOnce(store);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f).toString(8)).toBe("600");
    } finally {
      await store.close();
      old.close();
    }
  });

  it("opens an existing database file without touching its contents", async () => {
    writeFileSync(file, "");
    chmodSync(file, 0o666);
    const store = openSqlite({ path: file });
    await writeOnce(store);
    expect(await store.get(store.q.selectFrom("flows").select("id"))).toEqual({ id: "f1" });
    expect(modeOf(file).toString(8)).toBe("600");
    await store.close();
  });
});
