import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { explainStartError } from "./start-errors.js";

describe("a start on a full disk", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names the data directory and says to free space, not SQLite's bare 'database or disk is full'", () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-start-full-"));
    // SQLite refuses a page beyond max_page_count exactly as it refuses one on a full disk.
    const db = new BetterSqlite3(path.join(dir, "tern.db"));
    db.pragma("max_page_count = 1");
    let full: unknown;
    try {
      db.exec("CREATE TABLE a (x); CREATE TABLE b (x);");
    } catch (error) {
      full = error;
    } finally {
      db.close();
    }
    expect((full as { code?: string }).code).toBe("SQLITE_FULL");
    const explained = explainStartError(full, loadConfig({ TERN_DATA_DIR: dir }));
    expect(explained.message).toBe(
      `The disk holding TERN_DATA_DIR ${dir} is full (database or disk is full): free some space there (the database needs room to start and to grow; docs/deployment.md, "Disk next to the SQLite file"), then start again.`,
    );
  });
});
