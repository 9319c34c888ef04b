import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/helpers/postgres.js";
import type { Executor } from "../db.js";
import { openPostgres, type PostgresDb, type PostgresOptions } from "./open.js";

describe("openPostgres", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const database = async (): Promise<TestDatabase> => {
    const d = await createTestDatabase();
    cleanup.push(() => d.drop());
    return d;
  };
  const open = async (options: Partial<PostgresOptions> = {}): Promise<{ db: PostgresDb; url: string }> => {
    const d = await database();
    const db = await openPostgres({ url: d.url, ...options });
    cleanup.push(() => db.close());
    return { db, url: d.url };
  };
  const worker = (id: string) => ({ worker_id: id, process: "p", started_at: 1, heartbeat_at: 1 });
  const insertWorker = (x: Executor, id: string) => x.run(x.q.insertInto("job_workers").values(worker(id)));
  const workerIds = async (x: Executor) =>
    (await x.all(x.q.selectFrom("job_workers").select("worker_id").orderBy("worker_id"))).map(
      (r) => r.worker_id,
    );
  const setting = (x: Executor, name: string) =>
    x.get(x.q.selectNoFrom(sql<string>`current_setting(${name})`.as("value"))).then((r) => r?.value);
  const backendPid = (x: Executor) =>
    x.get(x.q.selectNoFrom(sql<number>`pg_backend_pid()`.as("pid"))).then((r) => r?.pid as number);

  it("parses each named statement once per connection and reuses it on every later run", async () => {
    const { db } = await open({ poolSize: 3 });
    for (let i = 0; i < 10; i++) await insertWorker(db, `w${i}`);
    const byId = db.statement("test.byId", (p) =>
      db.q.selectFrom("job_workers").select("worker_id").where("worker_id", "=", p("id")),
    );
    const runs = 30;
    const answers = await Promise.all(Array.from({ length: runs }, (_, i) => byId.get({ id: `w${i % 10}` })));
    expect(answers).toEqual(Array.from({ length: runs }, (_, i) => ({ worker_id: `w${i % 10}` })));

    // Hold every connection of the pool and look at each session's prepared statements.
    const clients = await Promise.all([db.pool.connect(), db.pool.connect(), db.pool.connect()]);
    try {
      const perConnection = await Promise.all(
        clients.map(async (c) => {
          const { rows } = await c.query<{ name: string; runs: number }>(
            "SELECT name, generic_plans + custom_plans AS runs FROM pg_prepared_statements",
          );
          return rows;
        }),
      );
      const used = perConnection.filter((rows) => rows.length > 0);
      expect(used.length).toBeGreaterThanOrEqual(2);
      for (const rows of used) expect(rows).toHaveLength(1);
      const names = new Set(used.map((rows) => rows[0]!.name));
      expect(names.size).toBe(1);
      expect(used.reduce((n, rows) => n + rows[0]!.runs, 0)).toBe(runs);
    } finally {
      for (const c of clients) c.release();
    }
  });

  it("parses int8 and numeric as numbers for its own pool only, not for the rest of the process", async () => {
    const { db, url } = await open();
    const big = 1_790_000_000_123;
    expect(
      await db.get(
        db.q.selectNoFrom([sql<number>`${big}::int8`.as("i"), sql<number>`${big}::numeric`.as("n")]),
      ),
    ).toEqual({ i: big, n: big });
    // graphile-worker uses the same pg module with its default parsers.
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    try {
      expect((await plain.query("SELECT 42::int8 AS i")).rows[0]).toEqual({ i: "42" });
    } finally {
      await plain.end();
    }
  });

  it("turns synchronous_commit off for a durable: false write only, for that transaction only", async () => {
    const { db } = await open({ poolSize: 1 });
    expect(await db.write((tx) => setting(tx, "synchronous_commit"), { durable: false })).toBe("off");
    expect(await db.write((tx) => setting(tx, "synchronous_commit"))).toBe("on");
    expect(await setting(db, "synchronous_commit")).toBe("on");
  });

  it("runs a write again when it lost a deadlock, and both writes commit", async () => {
    const { db } = await open({ poolSize: 2 });
    await db.run(db.q.insertInto("job_workers").values([worker("a"), worker("b")]));
    const bump = (tx: Executor, id: string) =>
      tx.run(
        tx.q
          .updateTable("job_workers")
          .set((eb) => ({ heartbeat_at: eb("heartbeat_at", "+", 1) }))
          .where("worker_id", "=", id),
      );
    // Each transaction locks its first row, waits until the other has locked its own, then
    // wants the other's: a deadlock the server breaks by aborting one of them (40P01).
    let firstLocked!: () => void;
    let secondLocked!: () => void;
    const first = new Promise<void>((r) => {
      firstLocked = r;
    });
    const second = new Promise<void>((r) => {
      secondLocked = r;
    });
    let calls = 0;
    const crossed = (mine: string, theirs: string, locked: () => void, other: Promise<void>) =>
      db.write(async (tx) => {
        calls++;
        await bump(tx, mine);
        locked();
        await other;
        await bump(tx, theirs);
      });
    await Promise.all([crossed("a", "b", firstLocked, second), crossed("b", "a", secondLocked, first)]);
    expect(calls).toBe(3);
    expect(
      await db.all(db.q.selectFrom("job_workers").select(["worker_id", "heartbeat_at"]).orderBy("worker_id")),
    ).toEqual([
      { worker_id: "a", heartbeat_at: 3 },
      { worker_id: "b", heartbeat_at: 3 },
    ]);
  });

  it("does not run a write again for an error that is not a serialization failure or deadlock", async () => {
    const { db } = await open();
    await insertWorker(db, "a");
    let calls = 0;
    const failed = db.write(async (tx) => {
      calls++;
      await insertWorker(tx, "b");
      await insertWorker(tx, "a");
    });
    await expect(failed).rejects.toMatchObject({ code: "23505" });
    expect(calls).toBe(1);
    expect(await workerIds(db)).toEqual(["a"]);
  });

  it("rolls back a write whose callback swallowed a failed query, instead of committing half of it", async () => {
    const { db } = await open();
    await insertWorker(db, "a");
    const swallowed = db.write(async (tx) => {
      await insertWorker(tx, "b");
      await insertWorker(tx, "a").catch(() => {});
      return "done";
    });
    await expect(swallowed).rejects.toMatchObject({ code: "TRANSACTION_ABORTED" });
    expect(await workerIds(db)).toEqual(["a"]);
  });

  it("refuses queries on a transaction handle once its callback has returned", async () => {
    const { db } = await open();
    let leaked: Executor | undefined;
    await db.write(async (tx) => {
      leaked = tx;
    });
    await expect(insertWorker(leaked!, "late")).rejects.toThrow(/after its callback returned/);
    expect(await workerIds(db)).toEqual([]);
  });

  it("rejects only the write whose connection broke mid-transaction; the others and later ones commit", async () => {
    const { db } = await open({ poolSize: 3 });
    let pidKnown!: (pid: number) => void;
    const victimPid = new Promise<number>((r) => {
      pidKnown = r;
    });
    let killed!: () => void;
    const afterKill = new Promise<void>((r) => {
      killed = r;
    });
    const victim = db.write(async (tx) => {
      await insertWorker(tx, "victim-1");
      pidKnown(await backendPid(tx));
      await afterKill;
      await insertWorker(tx, "victim-2");
    });
    const bystanders = Array.from({ length: 5 }, (_, i) => db.write((tx) => insertWorker(tx, `ok-${i}`)));
    const pid = await victimPid;
    expect(await db.get(db.q.selectNoFrom(sql<boolean>`pg_terminate_backend(${pid})`.as("ok")))).toEqual({
      ok: true,
    });
    killed();
    await expect(victim).rejects.toThrow();
    await Promise.all(bystanders);
    await db.write((tx) => insertWorker(tx, "after"));
    expect(await workerIds(db)).toEqual(["after", "ok-0", "ok-1", "ok-2", "ok-3", "ok-4"]);
    // The broken connection was not handed out again.
    const pids = await Promise.all(Array.from({ length: 6 }, () => db.write((tx) => backendPid(tx))));
    expect(pids).not.toContain(pid);
  });

  it("logs an idle connection that breaks and carries on with new ones", async () => {
    const errors: unknown[] = [];
    const applicationName = `tern-idle-${process.pid}-${Date.now()}`;
    const { db, url } = await open({
      poolSize: 2,
      applicationName,
      log: { error: (obj) => errors.push(obj) },
    });
    await Promise.all([db.write((tx) => backendPid(tx)), db.write((tx) => backendPid(tx))]);
    expect(db.pool.idleCount).toBe(2);

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [applicationName],
      );
    } finally {
      await admin.end();
    }
    await expect.poll(() => errors.length, { timeout: 5000 }).toBe(2);
    await db.ping();
    await db.write((tx) => insertWorker(tx, "a"));
    expect(await workerIds(db)).toEqual(["a"]);
  });

  it("survives a connection terminated while checked out between queries, as graphile-worker holds them", async () => {
    const errors: unknown[] = [];
    const applicationName = `tern-held-${process.pid}-${Date.now()}`;
    const { db, url } = await open({
      poolSize: 2,
      applicationName,
      log: { error: (obj) => errors.push(obj) },
    });
    // Both clients of the pool, one of them opened by the migrations before anything else ran.
    const held = await Promise.all([db.pool.connect(), db.pool.connect()]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [applicationName],
      );
      expect(rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    try {
      // Without a listener on each client, these errors would have ended the test process. A held
      // client reports twice: the server's FATAL, then its socket closing.
      await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(errors)).toContain("57P01");
      for (const client of held) await expect(client.query("SELECT 1")).rejects.toThrow();
    } finally {
      for (const client of held) client.release(true);
    }
    await db.write((tx) => insertWorker(tx, "after"));
    expect(await workerIds(db)).toEqual(["after"]);
  });

  it("an exclusive section whose connection is terminated finishes, and the lock can be taken again", async () => {
    const applicationName = `tern-lock-${process.pid}-${Date.now()}`;
    const { db, url } = await open({ poolSize: 2, applicationName, log: { error: () => {} } });
    const result = await db.exclusive!("test.lock", async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // The section's connection holds the lock and is idle while the section works.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = $1 AND backend_type = 'client backend' AND query LIKE '%pg_advisory_lock%'`,
          [applicationName],
        );
      } finally {
        await admin.end();
      }
      await new Promise((r) => setTimeout(r, 100));
      return "done";
    });
    expect(result).toBe("done");
    // The server released the lock with the connection; the broken client was not pooled again.
    await expect(db.exclusive!("test.lock", async () => "again")).resolves.toBe("again");
  });

  it("ping rejects when the server does not answer; so does opening with migrations", async () => {
    const url = "postgres://postgres@127.0.0.1:1/nowhere";
    const db = await openPostgres({ url, migrate: false });
    await expect(db.ping()).rejects.toThrow();
    await db.close();
    await expect(openPostgres({ url })).rejects.toThrow();
  });

  it("runs a single-statement write without a transaction around it, and refuses a second statement", async () => {
    const { db } = await open({ poolSize: 2 });
    // In a transaction now() is its start, before the statement arrived; alone, the two are equal.
    const alone = (x: Executor) =>
      x.get(x.q.selectNoFrom(sql<boolean>`now() = statement_timestamp()`.as("alone"))).then((r) => r?.alone);
    expect(await db.write(alone, { single: true })).toBe(true);
    expect(await db.write(alone)).toBe(false);
    // A replayable one runs alone too (its commit's setting rides on a carrier: deferred.test.ts);
    // a grouped write shares a transaction.
    expect(await db.write(alone, { single: true, durable: false })).toBe(true);
    expect(await db.write(alone, { single: true, group: true })).toBe(false);

    await db.write((x) => insertWorker(x, "w1"), { single: true });
    expect(await workerIds(db)).toEqual(["w1"]);
    await expect(
      db.write(
        async (x) => {
          await insertWorker(x, "w2");
          await insertWorker(x, "w3");
        },
        { single: true },
      ),
    ).rejects.toThrow(/second statement/);
    // The contract: the first statement has committed by itself, the second never ran.
    expect(await workerIds(db)).toEqual(["w1", "w2"]);
    // A failed statement commits nothing and leaves the connections usable.
    await expect(db.write((x) => insertWorker(x, "w1"), { single: true })).rejects.toThrow();
    expect(await workerIds(db)).toEqual(["w1", "w2"]);
    await db.ping();
  });

  it("ping rejects after close", async () => {
    const { db } = await open();
    await db.ping();
    await db.close();
    await expect(db.ping()).rejects.toThrow();
  });
});
