import { afterEach, describe, expect, it } from "vitest";
import type { Db, Executor } from "../../src/store/db.js";

/**
 * The behaviour every `Db` must have, whatever the dialect: call `describeDbContract` with a
 * factory that opens a `Db` on a fresh, migrated database. `reopen` opens the same database
 * again (after `close`), `dispose` closes what is still open and removes the database.
 */
export interface OpenedDb {
  db: Db;
  reopen(): Promise<Db>;
  dispose(): Promise<void>;
}

export function describeDbContract(label: string, open: () => Promise<OpenedDb>): void {
  describe(`Db contract: ${label}`, () => {
    const opened: OpenedDb[] = [];
    const fresh = async (): Promise<Db> => {
      const o = await open();
      opened.push(o);
      return o.db;
    };
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.dispose();
    });

    const worker = (id: string, startedAt = 1) => ({
      worker_id: id,
      process: `host:${id}`,
      started_at: startedAt,
      heartbeat_at: startedAt,
    });
    const insertWorker = (x: Executor, id: string, startedAt = 1) =>
      x.run(x.q.insertInto("job_workers").values(worker(id, startedAt)));
    const workerIds = async (x: Executor) =>
      (await x.all(x.q.selectFrom("job_workers").select("worker_id").orderBy("worker_id"))).map(
        (r) => r.worker_id,
      );

    it("runs built queries and counts the rows each write changed", async () => {
      const db = await fresh();
      expect(await insertWorker(db, "a")).toEqual({ changes: 1 });
      expect(await db.run(db.q.insertInto("job_workers").values([worker("b"), worker("c")]))).toEqual({
        changes: 2,
      });
      expect(
        await db.run(db.q.updateTable("job_workers").set({ heartbeat_at: 9 }).where("worker_id", "!=", "a")),
      ).toEqual({ changes: 2 });
      expect(await db.run(db.q.deleteFrom("job_workers").where("worker_id", "=", "nobody"))).toEqual({
        changes: 0,
      });
      expect(await db.get(db.q.selectFrom("job_workers").selectAll().where("worker_id", "=", "b"))).toEqual({
        ...worker("b"),
        heartbeat_at: 9,
      });
      expect(await db.get(db.q.selectFrom("job_workers").selectAll().where("worker_id", "=", "z"))).toBe(
        undefined,
      );
      expect(await workerIds(db)).toEqual(["a", "b", "c"]);
    });

    it("returns 64-bit integers, counts and sums as JS numbers", async () => {
      const db = await fresh();
      const now = 1_790_000_000_123;
      await insertWorker(db, "a", now);
      await insertWorker(db, "b", now + 1);
      const row = await db.get(
        db.q
          .selectFrom("job_workers")
          .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("started_at").as("total")]),
      );
      expect(row).toEqual({ n: 2, total: 2 * now + 1 });
      expect(
        await db.get(db.q.selectFrom("job_workers").select("started_at").where("worker_id", "=", "a")),
      ).toEqual({ started_at: now });
      const inserted = await db.get(
        db.q
          .insertInto("inbox")
          .values({
            channel_id: "ch",
            provider_message_id: "m1",
            conversation_key: "ch:1",
            event_json: "{}",
            received_at: now,
          })
          .returning("id"),
      );
      expect(typeof inserted?.id).toBe("number");
    });

    it("binds a statement's named arguments in any order, with constants, on every run", async () => {
      const db = await fresh();
      for (const [id, t] of [
        ["a", 10],
        ["b", 20],
        ["c", 30],
        ["d", 40],
      ] as const)
        await insertWorker(db, id, t);
      const between = () =>
        db.statement("contract.between", (p) =>
          db.q
            .selectFrom("job_workers")
            .select("worker_id")
            .where("started_at", ">=", p("from"))
            .where("worker_id", "!=", "c")
            .where("started_at", "<=", p("to"))
            .orderBy("worker_id"),
        );
      expect(await between().all({ to: 30, from: 10 })).toEqual([{ worker_id: "a" }, { worker_id: "b" }]);
      expect(await between().all({ from: 20, to: 40 })).toEqual([{ worker_id: "b" }, { worker_id: "d" }]);
      expect(await between().get({ from: 40, to: 40 })).toEqual({ worker_id: "d" });
      expect(await between().get({ from: 50, to: 60 })).toBe(undefined);
      await expect(between().all({ from: 1 })).rejects.toThrow(/"to" is missing/);

      const touch = db.statement("contract.touch", (p) =>
        db.q
          .updateTable("job_workers")
          .set({ heartbeat_at: p("at") })
          .where("started_at", ">", p("after")),
      );
      expect(await touch.run({ at: 99, after: 15 })).toEqual({ changes: 3 });
    });

    it("runs a carrier as a statement, inside a write and out, one-statement replayable writes included", async () => {
      const db = await fresh();
      const add = (x: Executor) =>
        x.carrier(
          "contract.carrier",
          (qc, p) => qc.insertInto("job_workers").values({ ...worker("x"), worker_id: p("id") }),
          ["job_workers"],
        );
      expect(await add(db).run({ id: "a" })).toEqual({ changes: 1 });
      await db.write((tx) => add(tx).run({ id: "b" }));
      await db.write((tx) => add(tx).run({ id: "c" }), { durable: false, single: true });
      expect(await workerIds(db)).toEqual(["a", "b", "c"]);
    });

    it("commits a write and resolves with the callback's value; statements work inside it", async () => {
      const db = await fresh();
      const value = await db.write(async (tx) => {
        await insertWorker(tx, "a");
        const byId = tx.statement("contract.byId", (p) =>
          tx.q.selectFrom("job_workers").select("worker_id").where("worker_id", "=", p("id")),
        );
        return (await byId.get({ id: "a" }))?.worker_id;
      });
      expect(value).toBe("a");
      expect(await workerIds(db)).toEqual(["a"]);
    });

    it("rolls back everything a throwing callback did, and rejects with its error", async () => {
      const db = await fresh();
      const boom = new Error("boom");
      const failed = db.write(async (tx) => {
        await insertWorker(tx, "a");
        await tx.run(tx.q.insertInto("effects").values(effect("k")));
        throw boom;
      });
      const fine = db.write(async (tx) => insertWorker(tx, "b"));
      await expect(failed).rejects.toBe(boom);
      await fine;
      expect(await workerIds(db)).toEqual(["b"]);
      expect(await db.all(db.q.selectFrom("effects").selectAll())).toEqual([]);
    });

    it("commits a write marked durable: false", async () => {
      const db = await fresh();
      await db.write(async (tx) => insertWorker(tx, "a"), { durable: false });
      expect(await workerIds(db)).toEqual(["a"]);
    });

    it("keeps every write of many concurrent callers", async () => {
      const db = await fresh();
      await db.run(db.q.insertInto("effects").values(effect("counter")));
      const callers = 100;
      await Promise.all(
        Array.from({ length: callers }, (_, i) =>
          db.write(
            async (tx) => {
              await insertWorker(tx, `w${String(i).padStart(3, "0")}`);
              await tx.run(
                tx.q
                  .updateTable("effects")
                  .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
                  .where("key", "=", "counter"),
              );
            },
            { durable: i % 2 === 0 },
          ),
        ),
      );
      expect((await workerIds(db)).length).toBe(callers);
      expect(await db.get(db.q.selectFrom("effects").select("attempts"))).toEqual({ attempts: callers });
    });

    it("answers ping", async () => {
      const db = await fresh();
      await expect(db.ping()).resolves.toBeUndefined();
    });

    it("finishes the writes in flight before close resolves, and refuses writes after it", async () => {
      const o = await open();
      opened.push(o);
      const writes = Array.from({ length: 20 }, (_, i) =>
        o.db.write(async (tx) => insertWorker(tx, `w${String(i).padStart(2, "0")}`)),
      );
      await o.db.close();
      await expect(Promise.all(writes)).resolves.toHaveLength(20);
      await expect(o.db.write(async (tx) => insertWorker(tx, "late"))).rejects.toThrow();
      const again = await o.reopen();
      try {
        expect((await workerIds(again)).length).toBe(20);
      } finally {
        await again.close();
      }
    });
  });
}

function effect(key: string) {
  return { key, kind: "test", status: "in_flight" as const, attempts: 0, intent_at: 1 };
}
