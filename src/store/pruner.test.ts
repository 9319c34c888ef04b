import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { newId } from "../core/ids.js";
import { createMetrics } from "../core/metrics.js";
import { createSecretBox } from "../core/secrets.js";
import { createPruner } from "./pruner.js";
import type { SqliteDb } from "./sqlite.js";
import { openStore, type Store } from "./store.js";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const silent = { info() {}, debug() {}, error() {} };
const box = createSecretBox(Buffer.alloc(32, 7));

let dir: string;
let file: string;
let store: Store;
let isClosed = false;
const closeStore = async () => {
  if (!isClosed) await store.close();
  isClosed = true;
};
beforeEach(() => {
  isClosed = false;
  dir = mkdtempSync(path.join(tmpdir(), "tern-pruner-"));
  file = path.join(dir, "tern.db");
  store = openStore({ path: file, box, synchronous: "NORMAL", autoVacuum: "incremental" });
});
afterEach(async () => {
  await closeStore();
  rmSync(dir, { recursive: true, force: true });
});

// SQLite-only checks (file size, pages) on the store's own connection.
const raw = () => (store.db as SqliteDb).raw;

/** A run with `steps` step records, `messages` messages and one done effect, all at `at`. */
function insertRun(
  at: number,
  status: string,
  options: { steps?: number; messages?: number; bodyBytes?: number } = {},
) {
  const id = newId("run", at);
  const contactId = newId("ct", at);
  const body = "x".repeat(options.bodyBytes ?? 100);
  raw()
    .prepare("INSERT INTO contacts VALUES (?, 'ch_1', ?, '+15550001', 'Someone', ?, ?)")
    .run(contactId, `addr-${id}`, at, at);
  raw()
    .prepare("INSERT INTO runs VALUES (?, 'fl_1', 1, 'ch_1', ?, ?, ?, '{}', NULL, ?, ?)")
    .run(id, contactId, `ch_1:addr-${id}`, status, at, at);
  for (let v = 0; v < (options.steps ?? 3); v++) {
    raw()
      .prepare("INSERT INTO run_steps VALUES (?, ?, 's', 'send', 'done', ?, ?, NULL, NULL, ?, ?)")
      .run(id, v, body, body, at, at);
  }
  for (let m = 0; m < (options.messages ?? 2); m++) {
    raw()
      .prepare("INSERT INTO messages VALUES (?, 'ch_1', ?, 'out', ?, NULL, ?, ?, 'sent', NULL, NULL, ?)")
      .run(newId("msg", at), contactId, body, `${id}:0:${m}`, id, at);
  }
  raw()
    .prepare("INSERT INTO effects VALUES (?, 'send', 'done', '{}', NULL, 1, ?, ?)")
    .run(`${id}:0:0`, at, at);
  return { id, contactId };
}

const count = (table: string, where = "1=1") =>
  (raw().prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;

const pruner = (now: number, batchSize = 100, retentionDays: number | null = 30) =>
  createPruner({
    store,
    clock: { now: () => now },
    retentionDays,
    metrics: createMetrics(),
    log: silent,
    batchSize,
  });

describe("pruner", () => {
  it("prunes more finished runs than fit in one batch, with their steps, messages and effects", async () => {
    for (let i = 0; i < 25; i++)
      insertRun(T0 + i, i % 3 === 0 ? "failed" : i % 3 === 1 ? "ended" : "completed");
    const summary = await pruner(T0 + 31 * DAY_MS, 10).runOnce();
    expect(summary).toMatchObject({ runs: 25, runSteps: 75, messages: 50, effects: 25, contacts: 25 });
    for (const table of ["runs", "run_steps", "messages", "effects", "contacts"])
      expect(count(table)).toBe(0);
  });

  it("keeps what a waiting or running run still needs, in-flight effects, unprocessed inbox rows and recent history", async () => {
    const waiting = insertRun(T0, "waiting");
    const running = insertRun(T0, "running");
    const finished = insertRun(T0, "completed");
    const recent = insertRun(T0 + 20 * DAY_MS, "completed");
    // A finished run whose last change is recent: its age counts from the end, not the start.
    const lateFinish = insertRun(T0, "completed");
    raw()
      .prepare("UPDATE runs SET updated_at = ? WHERE id = ?")
      .run(T0 + 25 * DAY_MS, lateFinish.id);
    // The process died mid-call: never deleted, even once its run is gone.
    raw()
      .prepare("INSERT INTO effects VALUES (?, 'send', 'in_flight', NULL, NULL, 1, ?, NULL)")
      .run(`${finished.id}:1:0`, T0);
    const goneRun = newId("run", T0);
    raw()
      .prepare("INSERT INTO effects VALUES (?, 'send', 'in_flight', NULL, NULL, 1, ?, NULL)")
      .run(`${goneRun}:0:0`, T0);
    raw()
      .prepare("INSERT INTO effects VALUES (?, 'send', 'done', '{}', NULL, 1, ?, ?)")
      .run(`${goneRun}:0:1`, T0, T0);
    // An old message no run took, and an old inbox row still waiting to be processed.
    raw()
      .prepare(
        "INSERT INTO messages VALUES (?, 'ch_1', 'ct_x', 'in', 'lost', NULL, NULL, NULL, 'received', NULL, NULL, ?)",
      )
      .run(newId("msg", T0), T0);
    raw()
      .prepare(
        "INSERT INTO inbox (channel_id, provider_message_id, conversation_key, event_json, received_at, processed_at) VALUES ('ch_1', ?, 'k', '{\"a\":1}', ?, ?)",
      )
      .run("wamid.pending", T0, null);
    raw()
      .prepare(
        "INSERT INTO inbox (channel_id, provider_message_id, conversation_key, event_json, received_at, processed_at) VALUES ('ch_1', ?, 'k', '{\"a\":1}', ?, ?)",
      )
      .run("wamid.done", T0, T0);

    const summary = await pruner(T0 + 31 * DAY_MS, 2).runOnce();
    expect(summary).toMatchObject({ runs: 1, effects: 2, inboxDeleted: 1 });
    const runsLeft = (raw().prepare("SELECT id FROM runs ORDER BY id").all() as Array<{ id: string }>).map(
      (r) => r.id,
    );
    expect(runsLeft.sort()).toEqual([waiting.id, running.id, recent.id, lateFinish.id].sort());
    for (const run of [waiting, running, recent, lateFinish]) {
      expect(count("messages", `run_id = '${run.id}'`)).toBe(2);
      expect(count("run_steps", `run_id = '${run.id}'`)).toBe(3);
      expect(count("contacts", `id = '${run.contactId}'`)).toBe(1);
    }
    expect(count("effects", "status = 'in_flight'")).toBe(2);
    expect(count("effects", `key = '${goneRun}:0:1'`)).toBe(0);
    expect(count("messages", "run_id IS NULL")).toBe(0);
    expect(count("inbox", "provider_message_id = 'wamid.pending'")).toBe(1);
    expect(count("contacts", `id = '${finished.contactId}'`)).toBe(0);
  });

  it("gives the space back: the file shrinks after pruning a large amount of data, in short batches", async () => {
    raw().transaction(() => {
      for (let i = 0; i < 1_500; i++)
        insertRun(T0 + i, "completed", { steps: 4, messages: 4, bodyBytes: 600 });
    })();
    raw().pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = raw().pragma("page_size", { simple: true }) as number;
    const pagesBefore = raw().pragma("page_count", { simple: true }) as number;
    const bytesBefore = statSync(file).size;
    expect(bytesBefore).toBeGreaterThan(5_000_000);

    // Each batch is its own short write, so webhooks interleave with a large prune.
    const write = store.write;
    let writes = 0;
    let longestMs = 0;
    store.write = ((fn, options) =>
      write(async (tx) => {
        const started = performance.now();
        try {
          return await fn(tx);
        } finally {
          writes += 1;
          longestMs = Math.max(longestMs, performance.now() - started);
        }
      }, options)) as typeof store.write;
    const summary = await pruner(T0 + 31 * DAY_MS, 100).runOnce();
    store.write = write;

    expect(summary.runs).toBe(1_500);
    expect(writes).toBeGreaterThanOrEqual(15);
    expect(longestMs).toBeLessThan(250);
    expect(summary.reclaimedPages).toBeGreaterThan(0);
    expect(raw().pragma("freelist_count", { simple: true })).toBe(0);
    const pagesAfter = raw().pragma("page_count", { simple: true }) as number;
    expect(pagesAfter * pageSize).toBeLessThan(bytesBefore / 5);
    expect(pagesAfter).toBeLessThan(pagesBefore / 5);
    await closeStore();
    expect(statSync(file).size).toBeLessThan(bytesBefore / 5);
  });
});

describe("pruner timer", () => {
  it("prunes on its own once started, logs one summary line per pass and counts in the metrics", async () => {
    const old = insertRun(T0, "completed");
    const lines: Array<{ o: object; m?: string }> = [];
    const metrics = createMetrics();
    const timed = createPruner({
      store,
      clock: { now: () => T0 + 31 * DAY_MS },
      retentionDays: 30,
      metrics,
      log: { ...silent, info: (o, m) => lines.push({ o, m }) },
      intervalMs: 20,
    });
    timed.start();
    try {
      for (let i = 0; i < 500 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await timed.stop();
    }
    expect(count("runs", `id = '${old.id}'`)).toBe(0);
    expect(lines[0]?.m).toMatch(/^retention: pruned/);
    expect(lines[0]?.o).toMatchObject({ runs: 1, runSteps: 3, messages: 2, effects: 1, retentionDays: 30 });
    expect(metrics.render()).toContain('tern_retention_pruned_rows_total{action="deleted",table="runs"} 1');
    // Nothing new to prune: later passes log nothing at info.
    expect(lines).toHaveLength(1);
  });
});

describe("incremental auto-vacuum (TERN_SQLITE_AUTO_VACUUM=incremental)", () => {
  it("is off unless asked for: it costs every commit", async () => {
    await closeStore();
    store = openStore({ path: path.join(dir, "default.db"), box, synchronous: "NORMAL" });
    isClosed = false;
    expect(raw().pragma("auto_vacuum", { simple: true })).toBe(0);
  });

  it("is on for a new database file when asked for", () => {
    expect(raw().pragma("auto_vacuum", { simple: true })).toBe(2);
  });

  it("switches a database made before it, with one VACUUM at open, keeping its data", async () => {
    await closeStore();
    const old = path.join(dir, "old.db");
    const db = new BetterSqlite3(old);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE keep (v TEXT); INSERT INTO keep VALUES ('still here')");
    expect(db.pragma("auto_vacuum", { simple: true })).toBe(0);
    db.close();
    store = openStore({ path: old, box, synchronous: "NORMAL", autoVacuum: "incremental" });
    isClosed = false;
    expect(raw().pragma("auto_vacuum", { simple: true })).toBe(2);
    expect(raw().prepare("SELECT v FROM keep").get()).toEqual({ v: "still here" });
  });
});

describe("TERN_RETENTION_DAYS", () => {
  it("defaults to 30 days, and 0 or off keep everything", () => {
    expect(loadConfig({}).TERN_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ TERN_RETENTION_DAYS: "7" }).TERN_RETENTION_DAYS).toBe(7);
    expect(loadConfig({ TERN_RETENTION_DAYS: "0" }).TERN_RETENTION_DAYS).toBeNull();
    expect(loadConfig({ TERN_RETENTION_DAYS: "off" }).TERN_RETENTION_DAYS).toBeNull();
  });

  it("refuses a value that is not a whole number of days", () => {
    for (const bad of ["-1", "1.5", "thirty", ""]) {
      expect(() => loadConfig({ TERN_RETENTION_DAYS: bad }), bad).toThrow(/TERN_RETENTION_DAYS/);
    }
  });
});
