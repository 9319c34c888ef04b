import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import type { Executor } from "../db.js";
import { MAX_GROUP_SIZE, MIN_SPREAD_SIZE } from "./group-commit.js";
import { openPostgres, type PostgresDb } from "./open.js";

describe("grouped writes on PostgreSQL", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const open = async (): Promise<{ db: PostgresDb; url: string }> => {
    const d = await createTestDatabase();
    cleanup.push(() => d.drop());
    const db = await openPostgres({ url: d.url, poolSize: 4 });
    cleanup.push(() => db.close());
    return { db, url: d.url };
  };
  const insertWorker = (x: Executor, id: string) =>
    x.run(
      x.q.insertInto("job_workers").values({ worker_id: id, process: "p", started_at: 1, heartbeat_at: 1 }),
    );
  const txid = (x: Executor) =>
    x.get(x.q.selectNoFrom(sql<string>`txid_current()::text`.as("id"))).then((r) => r?.id as string);
  const workerIds = async (x: Executor) =>
    (await x.all(x.q.selectFrom("job_workers").select("worker_id").orderBy("worker_id"))).map(
      (r) => r.worker_id,
    );

  it("runs the grouped writes of one turn in one transaction and resolves each with its own result", async () => {
    const { db } = await open();
    const ids = ["a", "b", "c", "d", "e"];
    const results = await Promise.all(
      ids.map((id) =>
        db.write(
          async (tx) => {
            await insertWorker(tx, id);
            return { id, txid: await txid(tx) };
          },
          { group: true },
        ),
      ),
    );
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(new Set(results.map((r) => r.txid)).size).toBe(1);
    expect(await workerIds(db)).toEqual(ids);

    // Without `group` each write is a transaction of its own.
    const alone = await Promise.all([1, 2, 3].map(() => db.write((tx) => txid(tx))));
    expect(new Set(alone).size).toBe(3);
  });

  it(`splits a turn into groups of at most ${MAX_GROUP_SIZE}`, async () => {
    const { db } = await open();
    const n = MAX_GROUP_SIZE * 2 + 10;
    const txids = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        db.write(
          async (tx) => {
            await insertWorker(tx, `w${i}`);
            return txid(tx);
          },
          { group: true },
        ),
      ),
    );
    const counts = new Map<string, number>();
    for (const t of txids) counts.set(t, (counts.get(t) ?? 0) + 1);
    const sizes = [...counts.values()];
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_GROUP_SIZE);
    expect((await workerIds(db)).length).toBe(n);
  });

  it("rejects only the write whose callback threw; the others of its group commit", async () => {
    const { db } = await open();
    const calls = new Map<string, number>();
    const write = (id: string, fail?: "throw" | "swallow") =>
      db.write(
        async (tx) => {
          calls.set(id, (calls.get(id) ?? 0) + 1);
          await insertWorker(tx, id);
          if (fail === "throw") throw new Error(`no ${id}`);
          // A query error caught by the callback aborts the transaction it runs in.
          if (fail === "swallow") await insertWorker(tx, id).catch(() => {});
          return id;
        },
        { group: true },
      );
    const settled = await Promise.allSettled([
      write("a"),
      write("b", "throw"),
      write("c"),
      write("d", "swallow"),
      write("e"),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: "no b" });
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ code: "TRANSACTION_ABORTED" });
    expect(await workerIds(db)).toEqual(["a", "c", "e"]);
    // The group ran up to "b", which threw: "b" rejected and the rest ran again as a group, where
    // "e" met the transaction "d" had aborted (no one to blame): then each ran alone.
    expect(Object.fromEntries(calls)).toEqual({ a: 3, b: 1, c: 2, d: 2, e: 2 });
  });

  it("after a callback throws, the rest of its group commit together and in their order", async () => {
    const { db } = await open();
    const ids = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, "0")}`);
    const settled = await Promise.allSettled(
      ids.map((id, i) =>
        db.write(
          async (tx) => {
            await insertWorker(tx, id);
            if (i === 3 || i === 17) throw new Error(`no ${id}`);
            return txid(tx);
          },
          { group: true },
        ),
      ),
    );
    expect(settled.filter((s) => s.status === "rejected").length).toBe(2);
    const txids = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    // Spread over the two group slots: at most two transactions for the 28 that committed.
    expect(new Set(txids).size).toBeLessThanOrEqual(2);
    expect(await workerIds(db)).toEqual(ids.filter((_, i) => i !== 3 && i !== 17));
  });

  it("runs one at a time, in the group's order, the callbacks of a group no one of them can be blamed for", async () => {
    const { db } = await open();
    // One turn of writes: the first MIN_SPREAD_SIZE form the first group, the rest a second one.
    const ids = Array.from({ length: MIN_SPREAD_SIZE + 8 }, (_, i) => `w${String(i).padStart(2, "0")}`);
    const settled = await Promise.allSettled(
      ids.map((id, i) =>
        db.write(
          async (tx) => {
            await insertWorker(tx, id);
            // A query error the callback swallows aborts the transaction; the next callback's
            // first query fails for it ("current transaction is aborted").
            if (i === 2) await insertWorker(tx, id).catch(() => {});
            return Number(await txid(tx));
          },
          { group: true },
        ),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(ids.map((_, i) => (i === 2 ? "rejected" : "fulfilled")));
    const txids = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    // The first group's callbacks, each in a transaction of its own, started in their order
    // (side by side on the pool's four connections they would start in any order).
    const alone = txids.slice(0, MIN_SPREAD_SIZE - 1);
    expect(alone).toEqual([...new Set(alone)].sort((x, y) => x - y));
    expect(new Set(txids.slice(MIN_SPREAD_SIZE - 1)).size).toBe(1);
    expect(await workerIds(db)).toEqual(ids.filter((_, i) => i !== 2));
  });

  it("runs the statements of a turn's groups in request order, the second group's after the first's", async () => {
    const { db } = await open();
    const ids = Array.from({ length: MIN_SPREAD_SIZE + 8 }, (_, i) => `w${String(i).padStart(2, "0")}`);
    const ran = await Promise.all(
      ids.map((id, i) =>
        db.write(
          async (tx) => {
            // The first group's first statement is slow; the second group, on its own
            // connection, waits for the first group's statements before running its own.
            if (i === 0) await tx.get(tx.q.selectNoFrom(sql`pg_sleep(0.3)`.as("slept")));
            await insertWorker(tx, id);
            const at = await tx.get(tx.q.selectNoFrom(sql<string>`clock_timestamp()::text`.as("at")));
            return { at: at?.at ?? "", txid: await txid(tx) };
          },
          { group: true },
        ),
      ),
    );
    expect(new Set(ran.map((r) => r.txid)).size).toBe(2);
    const times = ran.map((r) => r.at);
    expect(times).toEqual([...times].sort());
    expect(await workerIds(db)).toEqual(ids);
  });

  it("takes a replayable one-statement write into the group forming, and runs it alone otherwise", async () => {
    const { db } = await open();
    const grouped = ["a", "b", "c"].map((id) =>
      db.write(
        async (tx) => {
          await insertWorker(tx, id);
          return txid(tx);
        },
        { group: true, durable: false },
      ),
    );
    // A step's persist while the others wait for their group: it joins them (one statement there).
    const single = db.write((tx) => txid(tx), { single: true, durable: false });
    const txids = await Promise.all([...grouped, single]);
    expect(new Set(txids).size).toBe(1);
    // Alone: its own transaction, which is the statement's.
    const alone = await db.write((tx) => txid(tx), { single: true, durable: false });
    expect(alone).not.toBe(txids[0]);
    expect(await workerIds(db)).toEqual(["a", "b", "c"]);
  });

  it("runs a group that deadlocked again as a whole, in one transaction", async () => {
    const { db } = await open();
    let deadlocks = 1;
    const ids = ["a", "b", "c", "d"];
    const txids = await Promise.all(
      ids.map((id) =>
        db.write(
          async (tx) => {
            await insertWorker(tx, id);
            if (id === "c" && deadlocks-- > 0)
              throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
            return txid(tx);
          },
          { group: true },
        ),
      ),
    );
    expect(new Set(txids).size).toBe(1);
    expect(await workerIds(db)).toEqual(ids);
  });

  it("resolves a grouped write only after its COMMIT, durable unless asked otherwise, never mixing the two", async () => {
    const { db, url } = await open();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    cleanup.push(() => other.end());
    const seenByOther = async (id: string) =>
      (await other.query("SELECT 1 FROM job_workers WHERE worker_id = $1", [id])).rowCount === 1;
    const setting = (x: Executor) =>
      x
        .get(x.q.selectNoFrom(sql<string>`current_setting('synchronous_commit')`.as("value")))
        .then((r) => r?.value);

    const write = (id: string, durable: boolean) =>
      db
        .write(
          async (tx) => {
            await insertWorker(tx, id);
            return { sync: await setting(tx), txid: await txid(tx) };
          },
          { group: true, durable },
        )
        // Another session sees the row as soon as the write resolves: it was committed.
        .then(async (r) => ({ ...r, visible: await seenByOther(id) }));
    const [d1, lazy, d2] = await Promise.all([write("d1", true), write("lazy", false), write("d2", true)]);
    expect([d1.visible, lazy.visible, d2.visible]).toEqual([true, true, true]);
    expect([d1.sync, lazy.sync, d2.sync]).toEqual(["on", "off", "on"]);
    expect(d1.txid).toBe(d2.txid);
    expect(lazy.txid).not.toBe(d1.txid);
  });
});
