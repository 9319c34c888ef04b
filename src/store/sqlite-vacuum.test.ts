import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EVERYDAY_SECURE_DELETE, forgetErased } from "./sqlite-vacuum.js";

/**
 * After an erasure the free pages are zeroed a chunk at a time, each chunk under its own hold of
 * the writer, so webhooks commit between chunks instead of waiting for the whole free list.
 */
describe("forgetErased", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("zeroes every free page, holding the writer for a bounded chunk at a time", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-wipe-"));
    const file = path.join(dir, "tern.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma(`secure_delete = ${EVERYDAY_SECURE_DELETE}`);
    db.exec("CREATE TABLE t (b TEXT)");
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 1_500; i++) insert.run("ERASED PERSON ".repeat(290));
    })();
    db.exec("DELETE FROM t");
    db.pragma("wal_checkpoint(TRUNCATE)");
    const free = db.pragma("freelist_count", { simple: true }) as number;
    expect(free).toBeGreaterThan(1_000);
    expect(readFileSync(file).includes("ERASED PERSON")).toBe(true);

    let holds = 0;
    let isHeld = false;
    const clean = await forgetErased(db, async () => {
      expect(isHeld).toBe(false);
      holds += 1;
      isHeld = true;
      return () => {
        isHeld = false;
      };
    });
    expect(clean).toBe(true);
    expect(readFileSync(file).includes("ERASED PERSON")).toBe(false);
    expect(readFileSync(`${file}-wal`)).toHaveLength(0);
    // ≥ 2 chunks of claims and 2 of zeroing for 1,000+ pages: never the whole list in one hold.
    expect(holds).toBeGreaterThanOrEqual(2 * Math.ceil(free / 256));
    expect(db.pragma("secure_delete", { simple: true })).toBe(2); // FAST again
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tern_wipe'").pluck().get()).toBe(0);
    db.close();
  });
});
