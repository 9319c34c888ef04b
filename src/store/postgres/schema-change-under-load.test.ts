import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import { openPostgres, type PostgresDb } from "./open.js";

/**
 * A rolling upgrade: a newer Tern migrates the database (a column added to a table) while this
 * process runs. Its named statements that select every column were parsed before, and PostgreSQL
 * refuses to run them again ("cached plan must not change result type", 0A000) on every
 * connection that holds them. docs/deployment.md promises that old processes keep working while
 * new ones roll in: reads and writes must go through, not fail until the process is restarted.
 */
describe("a column added by another process while named statements are prepared", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it("reads and writes through the pool, a transaction, a group and a single statement go on", async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    const db: PostgresDb = await openPostgres({ url: database.url, poolSize: 4 });
    cleanup.push(() => db.close());

    const byId = (x: PostgresDb | Parameters<Parameters<PostgresDb["write"]>[0]>[0]) =>
      x.statement("test.workerById", (p) =>
        x.q.selectFrom("job_workers").selectAll().where("worker_id", "=", p("id")),
      );
    const insert = (x: Parameters<Parameters<PostgresDb["write"]>[0]>[0], id: string) =>
      x
        .statement("test.insertWorker", (p) =>
          x.q
            .insertInto("job_workers")
            .values({ worker_id: p("id"), process: "p", started_at: 1, heartbeat_at: 1 })
            .returningAll(),
        )
        .get({ id });

    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    cleanup.push(() => other.end());
    let columns = 0;
    /** Parses `use`'s statements on every connection (many at once), then changes the table. */
    const prepareThenMigrate = async (use: (i: number) => Promise<unknown>) => {
      await Promise.all(Array.from({ length: 12 }, (_, i) => use(i)));
      await other.query(`ALTER TABLE job_workers ADD COLUMN added_${++columns} INTEGER NOT NULL DEFAULT 0`);
    };
    await db.write((tx) => insert(tx, "w0"));

    // Reads through the pool.
    await prepareThenMigrate(() => byId(db).get({ id: "w0" }));
    const reads = await Promise.all(Array.from({ length: 8 }, () => byId(db).get({ id: "w0" })));
    for (const row of reads) expect(row).toMatchObject({ worker_id: "w0", added_1: 0 });

    // A transaction's read, then its write.
    await prepareThenMigrate(() => db.write((tx) => byId(tx).get({ id: "w0" })));
    const written = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.write(async (tx) => {
          await byId(tx).get({ id: "w0" });
          return insert(tx, `t${i}`);
        }),
      ),
    );
    expect(written.map((r) => (r as { worker_id: string }).worker_id)).toEqual(
      Array.from({ length: 8 }, (_, i) => `t${i}`),
    );

    // Grouped writes (one transaction for many) and a single statement.
    await prepareThenMigrate((i) => db.write((tx) => insert(tx, `pg${i}`), { group: true }));
    const grouped = await Promise.all(
      Array.from({ length: 6 }, (_, i) => db.write((tx) => insert(tx, `g${i}`), { group: true })),
    );
    expect(grouped.map((r) => (r as { worker_id: string }).worker_id)).toEqual(
      Array.from({ length: 6 }, (_, i) => `g${i}`),
    );
    await prepareThenMigrate((i) => db.write((tx) => insert(tx, `ps${i}`), { single: true }));
    const single = await Promise.all(
      Array.from({ length: 6 }, (_, i) => db.write((tx) => insert(tx, `s${i}`), { single: true })),
    );
    expect(single.map((r) => (r as { worker_id: string }).worker_id)).toEqual(
      Array.from({ length: 6 }, (_, i) => `s${i}`),
    );
  });
});
