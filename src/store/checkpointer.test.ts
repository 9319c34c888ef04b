import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/helpers/in-process.js";
import { startCheckpointer } from "./checkpointer.js";

describe("checkpointer", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const openDb = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-checkpointer-"));
    dirs.push(dir);
    const file = path.join(dir, "t.db");
    const db = new BetterSqlite3(file);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (x TEXT)");
    return { db, file };
  };
  const walFrames = (db: BetterSqlite3.Database) =>
    (db.pragma("wal_checkpoint(NOOP)") as Array<{ log: number; checkpointed: number }>)[0]!;

  it("ends its thread once the WAL is checkpointed and quiet, and starts it again on the next write", async () => {
    const { db, file } = openDb();
    const checkpointer = startCheckpointer(file, { intervalMs: 20, idleChecks: 3 });
    try {
      expect(checkpointer.isRunning()).toBe(true);
      await eventually(() => !checkpointer.isRunning(), 5_000, "the thread to end");
      for (let i = 0; i < 50; i++) db.prepare("INSERT INTO t VALUES (?)").run("x".repeat(1_000));
      const written = walFrames(db);
      expect(written.checkpointed).toBeLessThan(written.log);
      await eventually(() => checkpointer.isRunning(), 5_000, "the thread to start again");
      await eventually(() => !checkpointer.isRunning(), 5_000, "the thread to end");
      const after = walFrames(db);
      expect(after.checkpointed).toBe(after.log);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it("trims the WAL file to nothing once writes pause, and lets the writer go at once when another process's reader is in the way", async () => {
    const { db, file } = openDb();
    const walBytes = () => statSync(`${file}-wal`).size;
    let holds = 0;
    let releases = 0;
    const options = {
      intervalMs: 20,
      idleChecks: 3,
      holdWrites: async () => {
        holds += 1;
        return () => {
          releases += 1;
        };
      },
    };
    db.transaction(() => {
      for (let i = 0; i < 200; i++) db.prepare("INSERT INTO t VALUES (?)").run("x".repeat(1_000));
    })();
    expect(walBytes()).toBeGreaterThan(0);
    let checkpointer = startCheckpointer(file, options);
    try {
      await eventually(() => !checkpointer.isRunning(), 5_000, "the thread to end");
      expect(walBytes()).toBe(0);
      expect(releases).toBe(holds);
    } finally {
      await checkpointer.stop();
    }
    // Another connection (a backup, say) holds a read of the WAL: the checkpoint copies every
    // frame, but the WAL cannot be reset under it.
    db.transaction(() => {
      for (let i = 0; i < 50; i++) db.prepare("INSERT INTO t VALUES (?)").run("z".repeat(1_000));
    })();
    const reader = new BetterSqlite3(file);
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM t").get();
    holds = 0;
    releases = 0;
    checkpointer = startCheckpointer(file, options);
    try {
      await eventually(() => holds > 0, 5_000, "the trim's hold");
      // The truncation gives up at once rather than wait for the reader with SQLite's write lock
      // taken (5 s of busy timeout): the writer is let go, and its next commit does not wait.
      await eventually(() => releases === holds, 2_000, "the hold let go");
      db.pragma("busy_timeout = 0");
      db.prepare("INSERT INTO t VALUES (?)").run("w");
      expect(walBytes()).toBeGreaterThan(0);
    } finally {
      reader.exec("COMMIT");
      reader.close();
      await checkpointer.stop();
      db.close();
    }
  });

  it("holds the writer for a WAL past the restart size only while it is written, and always lets it go", async () => {
    const { db, file } = openDb();
    let holds = 0;
    let releases = 0;
    const checkpointer = startCheckpointer(file, {
      intervalMs: 20,
      idleChecks: 3,
      restartBytes: 64 * 1024,
      holdWrites: async () => {
        holds += 1;
        return () => {
          releases += 1;
        };
      },
    });
    try {
      db.transaction(() => {
        for (let i = 0; i < 200; i++) db.prepare("INSERT INTO t VALUES (?)").run("x".repeat(1_000));
      })();
      await eventually(() => holds > 0 && releases === holds, 5_000, "a hold, released");
      // Nothing more is written: the thread ends instead of holding the writer every interval.
      await eventually(() => !checkpointer.isRunning(), 5_000, "the thread to end");
      expect(holds).toBeLessThanOrEqual(2);
      expect(releases).toBe(holds);
      // The next commit starts the WAL over: it holds that commit's one frame.
      db.prepare("INSERT INTO t VALUES (?)").run("y");
      expect(walFrames(db).log).toBe(1);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });
});
