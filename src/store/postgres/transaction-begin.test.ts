import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import type { Executor, PreCommitFlush } from "../db.js";
import { openPostgres, type PostgresDb } from "./open.js";

/**
 * A durable write begins its transaction with its first statement, and a write whose only work
 * is one deferred statement (a webhook group's messages) sends that statement alone: it commits
 * by itself. What reaches the server is recorded at `pg.Client#query`, as the pool sends it.
 */
describe("when a PostgreSQL write begins", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const open = async (): Promise<PostgresDb> => {
    const d = await createTestDatabase();
    cleanup.push(() => d.drop());
    const db = await openPostgres({ url: d.url, poolSize: 4 });
    cleanup.push(() => db.close());
    return db;
  };

  /** The statements sent while `run` runs, by their first word(s). */
  const sent = async (run: () => Promise<unknown>): Promise<string[]> => {
    const texts: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text: string };
      const text = typeof first === "string" ? first : first.text;
      texts.push(text.replaceAll('"', "").trim().split(/\s+/).slice(0, 3).join(" "));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await run();
    } finally {
      pg.Client.prototype.query = original;
    }
    return texts;
  };

  const insertWorkers = (x: Executor, ids: string[]) =>
    x.run(
      x.q
        .insertInto("job_workers")
        .values(ids.map((id) => ({ worker_id: id, process: "p", started_at: 1, heartbeat_at: 1 }))),
    );
  const workerIds = async (db: PostgresDb) =>
    (await db.all(db.q.selectFrom("job_workers").select("worker_id").orderBy("worker_id"))).map(
      (r) => r.worker_id,
    );
  /** Deferred work of one statement: inserts one job_workers row per value. */
  const oneStatement: PreCommitFlush = Object.assign(
    async (tx: Executor, ids: string[]) => {
      await insertWorkers(tx, ids);
    },
    { isOneStatement: () => true },
  );

  it("sends a write's only deferred statement alone, without BEGIN or COMMIT, and it is committed", async () => {
    const db = await open();
    const texts = await sent(() =>
      Promise.all(
        ["a", "b", "c"].map((id) =>
          db.write(
            async (tx) => {
              tx.beforeCommit?.("workers", [id], oneStatement);
              return id;
            },
            { group: true },
          ),
        ),
      ),
    );
    expect(texts).toEqual(["insert into job_workers"]);
    expect(await workerIds(db)).toEqual(["a", "b", "c"]);
  });

  it("sends nothing for a write that does nothing", async () => {
    const db = await open();
    let result: unknown;
    const texts = await sent(async () => {
      result = await db.write(async () => 42);
    });
    expect(result).toBe(42);
    expect(texts).toEqual([]);
  });

  it("begins with a callback's first statement, and the deferred one joins its transaction", async () => {
    const db = await open();
    const texts = await sent(() =>
      db.write(async (tx) => {
        await insertWorkers(tx, ["x"]);
        tx.beforeCommit?.("workers", ["y"], oneStatement);
      }),
    );
    expect(texts).toEqual(["BEGIN", "insert into job_workers", "insert into job_workers", "COMMIT"]);
    expect(await workerIds(db)).toEqual(["x", "y"]);
  });

  it("keeps BEGIN and COMMIT for deferred work that is not one statement", async () => {
    const db = await open();
    const twoStatements: PreCommitFlush = async (tx, ids) => {
      for (const id of ids) await insertWorkers(tx, [id]);
    };
    const texts = await sent(() =>
      db.write(async (tx) => {
        tx.beforeCommit?.("workers", ["p", "q"], twoStatements);
      }),
    );
    expect(texts).toEqual(["BEGIN", "insert into job_workers", "insert into job_workers", "COMMIT"]);
    expect(await workerIds(db)).toEqual(["p", "q"]);
  });

  it("rejects with the server's error when the lone statement fails, and nothing of it is stored", async () => {
    const db = await open();
    await db.write((tx) => insertWorkers(tx, ["taken"]));
    // One statement of two rows, the second a duplicate key: the statement fails whole.
    const failing = db.write(async (tx) => {
      tx.beforeCommit?.("workers", ["fresh", "taken"], oneStatement);
    });
    await expect(failing).rejects.toMatchObject({ code: "23505" });
    expect(await workerIds(db)).toEqual(["taken"]);
  });
});
