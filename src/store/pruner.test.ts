import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { openTestStore } from "../../test/helpers/test-store.js";
import { loadConfig } from "../config.js";
import { newId } from "../core/ids.js";
import { createMetrics } from "../core/metrics.js";
import { createSecretBox } from "../core/secrets.js";
import type { Executor } from "./db.js";
import { createPruner } from "./pruner.js";
import type { SqliteDb } from "./sqlite.js";
import { openStore, type Store } from "./store.js";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const silent = { info() {}, debug() {}, error() {} };
const box = createSecretBox(Buffer.alloc(32, 7));

let store: Store;

/** A run with `steps` step records, `messages` messages and one done effect, all at `at`. */
async function insertRun(
  at: number,
  status: string,
  options: { steps?: number; messages?: number; bodyBytes?: number } = {},
  db: Executor = store.db,
) {
  const { q } = db;
  const id = newId("run", at);
  const contactId = newId("ct", at);
  const body = "x".repeat(options.bodyBytes ?? 100);
  await db.run(
    q.insertInto("contacts").values({
      id: contactId,
      phone: "+15550001",
      name: "Someone",
      created_at: at,
      updated_at: at,
    }),
  );
  await db.run(
    q.insertInto("runs").values({
      id,
      flow_id: "fl_1",
      flow_version: 1,
      channel_id: "ch_1",
      contact_id: contactId,
      conversation_key: `ch_1:addr-${id}`,
      status,
      state_json: "{}",
      timeout_at: null,
      created_at: at,
      updated_at: at,
    }),
  );
  for (let v = 0; v < (options.steps ?? 3); v++) {
    await db.run(
      q.insertInto("run_steps").values({
        run_id: id,
        visit: v,
        step_id: "s",
        step_type: "send",
        status: "done",
        input_json: body,
        output_json: body,
        error_json: null,
        next: null,
        started_at: at,
        ended_at: at,
      }),
    );
  }
  for (let m = 0; m < (options.messages ?? 2); m++) {
    await db.run(
      q.insertInto("messages").values({
        id: newId("msg", at),
        channel_id: "ch_1",
        contact_id: contactId,
        direction: "out",
        text: body,
        provider_message_id: null,
        effect_key: `${id}:0:${m}`,
        run_id: id,
        status: "sent",
        status_at: null,
        error_json: null,
        created_at: at,
      }),
    );
  }
  await insertEffect(`${id}:0:0`, "done", at, db);
  return { id, contactId };
}

function insertEffect(key: string, status: "done" | "in_flight", at: number, db: Executor = store.db) {
  return db.run(
    db.q.insertInto("effects").values({
      key,
      kind: "send",
      status,
      result_json: status === "done" ? "{}" : null,
      error_json: null,
      attempts: 1,
      intent_at: at,
      done_at: status === "done" ? at : null,
    }),
  );
}

/** Rows of `table` matching `where` (SQL both dialects read alike; literals only). */
const count = async (table: string, where = "1=1") => {
  const query = sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${sql.raw(where)}`;
  const row = await store.db.get({ compile: () => query.compile(store.db.q) });
  return Number(row?.n);
};

const pruner = (now: number, batchSize = 100, retentionDays: number | null = 30) =>
  createPruner({
    store,
    clock: { now: () => now },
    retentionDays,
    metrics: createMetrics(),
    log: silent,
    batchSize,
  });

/** What retention keeps and deletes, on the dialect the suite runs on. */
describe("pruner", () => {
  beforeEach(async () => {
    store = await openTestStore({ box, synchronous: "NORMAL" });
  });
  afterEach(async () => {
    await store.close();
  });

  it("prunes more finished runs than fit in one batch, with their steps, messages and effects", async () => {
    for (let i = 0; i < 25; i++)
      await insertRun(T0 + i, i % 3 === 0 ? "failed" : i % 3 === 1 ? "ended" : "completed");
    const summary = await pruner(T0 + 31 * DAY_MS, 10).runOnce();
    expect(summary).toMatchObject({ runs: 25, runSteps: 75, messages: 50, effects: 25, contacts: 25 });
    for (const table of ["runs", "run_steps", "messages", "effects", "contacts"])
      expect(await count(table)).toBe(0);
  });

  it("keeps a contact who opted out (STOP) once their history is pruned: the opt-out must keep refusing sends", async () => {
    const { q } = store.db;
    const optedOut = await insertRun(T0, "ended");
    const other = await insertRun(T0, "completed");
    await store.db.run(
      q
        .insertInto("contact_opt_outs")
        .values({ contact_id: optedOut.contactId, keyword: "STOP", opted_out_at: T0 }),
    );
    const summary = await pruner(T0 + 31 * DAY_MS).runOnce();
    expect(summary).toMatchObject({ runs: 2, contacts: 1 });
    expect(await count("contacts", `id = '${optedOut.contactId}'`)).toBe(1);
    expect(await count("contact_opt_outs", `contact_id = '${optedOut.contactId}'`)).toBe(1);
    expect(await count("contacts", `id = '${other.contactId}'`)).toBe(0);
  });

  it("prunes schedule firings older than the retention, flow by flow, in batches", async () => {
    const { q } = store.db;
    const fire = (flowId: string, at: number) =>
      store.db.run(
        q
          .insertInto("schedule_firings")
          .values({ flow_id: flowId, scheduled_at: at, fired_at: at, audience: 1 }),
      );
    // A schedule every minute: two hours of old firings (more than a batch), and yesterday's.
    for (let i = 0; i < 120; i++) await fire("fl_minutely", T0 + i * 60_000);
    for (let i = 0; i < 3; i++) await fire("fl_daily", T0 + i * DAY_MS);
    const now = T0 + 31 * DAY_MS;
    await fire("fl_minutely", now - DAY_MS);
    await fire("fl_daily", now - DAY_MS);
    const summary = await pruner(now, 50).runOnce();
    expect(summary).toMatchObject({ scheduleFirings: 121 });
    // The cutoff is T0 + 1 day: the second and third daily firings are inside the 30 days.
    const left = await store.db.all(
      q
        .selectFrom("schedule_firings")
        .select(["flow_id", "scheduled_at"])
        .orderBy("flow_id")
        .orderBy("scheduled_at"),
    );
    expect(left.map((r) => [r.flow_id, Number(r.scheduled_at)])).toEqual([
      ["fl_daily", T0 + DAY_MS],
      ["fl_daily", T0 + 2 * DAY_MS],
      ["fl_daily", now - DAY_MS],
      ["fl_minutely", now - DAY_MS],
    ]);
  });

  it("keeps what a waiting or running run still needs, unprocessed inbox rows and recent history", async () => {
    const { q } = store.db;
    const waiting = await insertRun(T0, "waiting");
    const running = await insertRun(T0, "running");
    const finished = await insertRun(T0, "completed");
    const recent = await insertRun(T0 + 20 * DAY_MS, "completed");
    // A finished run whose last change is recent: its age counts from the end, not the start.
    const lateFinish = await insertRun(T0, "completed");
    await store.db.run(
      q
        .updateTable("runs")
        .set({ updated_at: T0 + 25 * DAY_MS })
        .where("id", "=", lateFinish.id),
    );
    // Outcomes that stayed unknown while the flow went on (a step's onError): nothing can
    // reconcile them once their run is finished and old, so they go with it; a waiting run's stays.
    await insertEffect(`${finished.id}:1:0`, "in_flight", T0);
    await insertEffect(`${waiting.id}:1:0`, "in_flight", T0);
    const goneRun = newId("run", T0);
    await insertEffect(`${goneRun}:0:0`, "in_flight", T0);
    await insertEffect(`${goneRun}:0:1`, "done", T0);
    // An old message no run took, and an old inbox row still waiting to be processed.
    await store.db.run(
      q.insertInto("messages").values({
        id: newId("msg", T0),
        channel_id: "ch_1",
        contact_id: "ct_x",
        direction: "in",
        text: "lost",
        provider_message_id: null,
        effect_key: null,
        run_id: null,
        status: "received",
        status_at: null,
        error_json: null,
        created_at: T0,
      }),
    );
    for (const [id, processedAt] of [
      ["wamid.pending", null],
      ["wamid.done", T0],
    ] as const) {
      await store.db.run(
        q.insertInto("inbox").values({
          channel_id: "ch_1",
          provider_message_id: id,
          conversation_key: "k",
          event_json: '{"a":1}',
          received_at: T0,
          processed_at: processedAt,
        }),
      );
    }

    const summary = await pruner(T0 + 31 * DAY_MS, 2).runOnce();
    expect(summary).toMatchObject({ runs: 1, effects: 4, inboxDeleted: 1 });
    const runsLeft = (await store.db.all(q.selectFrom("runs").select("id").orderBy("id"))).map((r) => r.id);
    expect(runsLeft.sort()).toEqual([waiting.id, running.id, recent.id, lateFinish.id].sort());
    for (const run of [waiting, running, recent, lateFinish]) {
      expect(await count("messages", `run_id = '${run.id}'`)).toBe(2);
      expect(await count("run_steps", `run_id = '${run.id}'`)).toBe(3);
      expect(await count("contacts", `id = '${run.contactId}'`)).toBe(1);
    }
    expect(await count("effects", "status = 'in_flight'")).toBe(1);
    expect(await count("effects", `key = '${waiting.id}:1:0'`)).toBe(1);
    expect(await count("effects", `key LIKE '${goneRun}%'`)).toBe(0);
    expect(await count("messages", "run_id IS NULL")).toBe(0);
    expect(await count("inbox", "provider_message_id = 'wamid.pending'")).toBe(1);
    expect(await count("contacts", `id = '${finished.contactId}'`)).toBe(0);
  });
});

describe("pruner timer", () => {
  beforeEach(async () => {
    store = await openTestStore({ box, synchronous: "NORMAL" });
  });
  afterEach(async () => {
    await store.close();
  });

  it("prunes on its own once started, logs one summary line per pass and counts in the metrics", async () => {
    const old = await insertRun(T0, "completed");
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
    expect(await count("runs", `id = '${old.id}'`)).toBe(0);
    expect(lines[0]?.m).toMatch(/^retention: pruned/);
    expect(lines[0]?.o).toMatchObject({ runs: 1, runSteps: 3, messages: 2, effects: 1, retentionDays: 30 });
    expect(metrics.render()).toContain('tern_retention_pruned_rows_total{action="deleted",table="runs"} 1');
    // Nothing new to prune: later passes log nothing at info, and are counted all the same.
    expect(lines).toHaveLength(1);
    expect(metrics.counter("tern_retention_passes_total", "").value()).toBeGreaterThanOrEqual(1);
  });
});

/** The file itself: pages, free lists, VACUUM. PostgreSQL's space is autovacuum's business. */
describe.skipIf(testDialect !== "sqlite")("SQLite file space", () => {
  let dir: string;
  let file: string;
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

  const raw = () => (store.db as SqliteDb).raw;

  it("gives the space back: the file shrinks after pruning a large amount of data, in short batches", async () => {
    await store.db.write(async (tx) => {
      for (let i = 0; i < 1_500; i++)
        await insertRun(T0 + i, "completed", { steps: 4, messages: 4, bodyBytes: 600 }, tx);
    });
    // The store's own checkpointer (a thread with its own connection) may be checkpointing at the
    // same moment: the TRUNCATE then answers busy, the pages still in the WAL. Again until done.
    for (let attempt = 0; ; attempt++) {
      const [result] = raw().pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      if (result?.busy === 0 || attempt >= 200) break;
      await new Promise((r) => setTimeout(r, 10));
    }
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
});

describe("TERN_RETENTION_DAYS", () => {
  it("defaults to 30 days, and 0 or off keep everything", () => {
    expect(loadConfig({}).TERN_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ TERN_RETENTION_DAYS: "7" }).TERN_RETENTION_DAYS).toBe(7);
    expect(loadConfig({ TERN_RETENTION_DAYS: "0" }).TERN_RETENTION_DAYS).toBeNull();
    expect(loadConfig({ TERN_RETENTION_DAYS: "off" }).TERN_RETENTION_DAYS).toBeNull();
  });

  it("refuses a value that is not a whole number of days", () => {
    for (const bad of ["-1", "1.5", "thirty"]) {
      expect(() => loadConfig({ TERN_RETENTION_DAYS: bad }), bad).toThrow(/TERN_RETENTION_DAYS/);
    }
    // Set to nothing, it is unset: the default (README, "Configuration").
    expect(loadConfig({ TERN_RETENTION_DAYS: "" }).TERN_RETENTION_DAYS).toBe(30);
  });
});
