import { type QueryCreator, sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import type { Database } from "../database.js";
import type { CteAdder, Executor } from "../db.js";
import { openPostgres, type PostgresDb } from "./open.js";

/** A deferred insert of a worker row (the CTE's name starts with the given prefix). */
const addWorker: CteAdder = (qc, p, prefix) =>
  qc.with(`${prefix}added`, (db) =>
    db.insertInto("job_workers").values({ worker_id: p("id"), process: "p", started_at: 1, heartbeat_at: 1 }),
  ) as unknown as QueryCreator<Database>;

/** A carrier that stores a setting and reads how many workers its snapshot saw. */
const settingCarrier = (tx: Executor, touches: ReadonlyArray<"settings" | "job_workers">) =>
  tx.carrier<{ workers: number }>(
    `test.setting.${touches.join(",")}`,
    (qc, p) =>
      qc
        .insertInto("settings")
        .values({ key: p("key"), value_json: "1", updated_at: 1 })
        .returning(sql<number>`(select count(*)::int from job_workers)`.as("workers")),
    touches,
  );

describe("statements deferred within a PostgreSQL write", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const open = async (): Promise<PostgresDb> => {
    const d = await createTestDatabase();
    cleanup.push(() => d.drop());
    const db = await openPostgres({ url: d.url, poolSize: 2 });
    cleanup.push(() => db.close());
    return db;
  };
  /** Every query the pool's clients send while `fn` runs (texts, BEGIN and COMMIT included). */
  const queriesDuring = async (fn: () => Promise<unknown>): Promise<string[]> => {
    const texts: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text: string };
      texts.push(typeof first === "string" ? first : first.text);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await fn();
    } finally {
      pg.Client.prototype.query = original;
    }
    return texts;
  };
  const workers = async (db: Executor) =>
    (await db.all(db.q.selectFrom("job_workers").select("worker_id").orderBy("worker_id"))).map(
      (r) => r.worker_id,
    );
  const settings = async (db: PostgresDb) =>
    (await db.all(db.q.selectFrom("settings").select("key"))).map((r) => r.key);

  it("ride on the next carrier of other tables: one statement for both, both committed", async () => {
    const db = await open();
    let seen: number | undefined;
    const texts = await queriesDuring(() =>
      db.write(async (tx) => {
        await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
        seen = (await settingCarrier(tx, ["settings"]).get({ key: "k1" }))?.workers;
      }),
    );
    // BEGIN, the carrier with the deferred insert as a CTE, COMMIT.
    expect(texts).toHaveLength(3);
    expect(texts[1]).toMatch(/^with "d0_added" as \(insert into "job_workers"/);
    // One snapshot: the carrier did not see the row its own statement inserted.
    expect(seen).toBe(0);
    expect(await workers(db)).toEqual(["w1"]);
    expect(await settings(db)).toEqual(["k1"]);
  });

  it("run before a carrier that touches a table they write, which then sees their rows", async () => {
    const db = await open();
    let seen: number | undefined;
    const texts = await queriesDuring(() =>
      db.write(async (tx) => {
        await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
        seen = (await settingCarrier(tx, ["settings", "job_workers"]).get({ key: "k1" }))?.workers;
      }),
    );
    expect(texts).toHaveLength(4);
    expect(seen).toBe(1);
  });

  it("run before any other statement of the write, which then sees their rows", async () => {
    const db = await open();
    const seen = await db.write(async (tx) => {
      await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
      return workers(tx);
    });
    expect(seen).toEqual(["w1"]);
  });

  it("run when the callback returns when nothing carried them: together, unless they write one row", async () => {
    const db = await open();
    const together = await queriesDuring(() =>
      db.write(async (tx) => {
        await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
        await tx.defer?.("test.worker", addWorker, { id: "w2" }, ["job_workers"], "worker:w2");
      }),
    );
    expect(together).toHaveLength(3);
    expect(await workers(db)).toEqual(["w1", "w2"]);

    // The second writes the first's row: it runs apart, after it, and sees the row.
    const touchWorker: CteAdder = (qc, p, prefix) =>
      qc.with(`${prefix}touched`, (d) =>
        d.updateTable("job_workers").set({ heartbeat_at: 2 }).where("worker_id", "=", p("id")),
      ) as unknown as QueryCreator<Database>;
    const apart = await queriesDuring(() =>
      db.write(async (tx) => {
        await tx.defer?.("test.worker", addWorker, { id: "w3" }, ["job_workers"], "worker:w3");
        await tx.defer?.("test.touch", touchWorker, { id: "w3" }, ["job_workers"], "worker:w3");
      }),
    );
    expect(apart).toHaveLength(4);
    const w3 = await db.get(
      db.q.selectFrom("job_workers").select("heartbeat_at").where("worker_id", "=", "w3"),
    );
    expect(w3?.heartbeat_at).toBe(2);
  });

  it("fail the write with their error, and nothing of the write is committed", async () => {
    const db = await open();
    await db.write(async (tx) => {
      await tx.defer?.("test.worker", addWorker, { id: "taken" }, ["job_workers"], "worker:taken");
    });
    const write = db.write(async (tx) => {
      await tx.defer?.("test.worker", addWorker, { id: "taken" }, ["job_workers"], "worker:taken");
      await settingCarrier(tx, ["settings"]).get({ key: "k1" });
    });
    await expect(write).rejects.toMatchObject({ code: "23505" });
    expect(await settings(db)).toEqual([]);

    // Left for the callback's end: the write still fails whole.
    const atEnd = db.write(async (tx) => {
      await settingCarrier(tx, ["settings"]).get({ key: "k2" });
      await tx.defer?.("test.worker", addWorker, { id: "taken" }, ["job_workers"], "worker:taken");
    });
    await expect(atEnd).rejects.toMatchObject({ code: "23505" });
    expect(await settings(db)).toEqual([]);
  });

  it("ride on the one statement of a replayable single write, which commits without waiting for the disk", async () => {
    const db = await open();
    const texts = await queriesDuring(() =>
      db.write(
        async (tx) => {
          // Two of one kind (two sends' settles in one step) ride together.
          await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
          await tx.defer?.("test.worker", addWorker, { id: "w0" }, ["job_workers"], "worker:w0");
          await settingCarrier(tx, ["settings"]).get({ key: "k1" });
        },
        { durable: false, single: true },
      ),
    );
    // No BEGIN, no COMMIT: one statement, with `synchronous_commit` off for its own commit.
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(
      /^with "tern_async_commit" as \(insert into settings .*set_config\('synchronous_commit', 'off', true\)/,
    );
    expect(texts[0]).toMatch(/"d0_added" as \(insert into "job_workers".*"d1_added" as \(insert/);
    expect(await workers(db)).toEqual(["w0", "w1"]);
    expect(await settings(db)).toEqual(["k1"]);
    // The setting was the statement's own.
    const setting = await db.get(
      db.q.selectNoFrom(sql<string>`current_setting('synchronous_commit')`.as("s")),
    );
    expect(setting?.s).toBe("on");

    // Deferred statements alone are the write's one statement.
    const alone = await queriesDuring(() =>
      db.write(
        (tx) =>
          tx.defer?.("test.worker", addWorker, { id: "w2" }, ["job_workers"], "worker:w2") ??
          Promise.resolve(),
        {
          durable: false,
          single: true,
        },
      ),
    );
    expect(alone).toHaveLength(1);
    expect(await workers(db)).toEqual(["w0", "w1", "w2"]);
  });

  it("in a single write, fail it when they cannot ride on its statement, which then never runs", async () => {
    const db = await open();
    // The carrier reads their table: they would have to run first, as a statement of their own.
    const write = db.write(
      async (tx) => {
        await tx.defer?.("test.worker", addWorker, { id: "w1" }, ["job_workers"], "worker:w1");
        await settingCarrier(tx, ["settings", "job_workers"]).get({ key: "k1" });
      },
      { durable: false, single: true },
    );
    await expect(write).rejects.toThrow(/ran a second statement/);
    // Theirs was the write's first statement and committed alone, as `single` warns; the carrier
    // never ran.
    expect(await workers(db)).toEqual(["w1"]);
    expect(await settings(db)).toEqual([]);
  });

  it("are refused once the callback returned, and absent outside a write", async () => {
    const db = await open();
    let kept: Executor | undefined;
    await db.write(async (tx) => {
      kept = tx;
    });
    await expect(
      kept?.defer?.("test.worker", addWorker, { id: "late" }, ["job_workers"], "worker:late"),
    ).rejects.toThrow(/after its callback returned/);
    expect(await workers(db)).toEqual([]);
    expect(db.defer).toBeUndefined();
  });
});
