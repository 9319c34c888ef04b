import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Db } from "../src/store/db.js";
import { connectAdmin, databaseUrl } from "../src/store/postgres/admin.js";
import { installJobSchema } from "../src/store/postgres/jobs-schema.js";
import { openPostgres, type PostgresDb } from "../src/store/postgres/open.js";
import { createJobRepo } from "../src/store/repos/job-repo.js";

/**
 * `npx tsx bench/pg-insert.ts`: how many commits per second PostgreSQL takes for inbox rows on
 * this machine, one row per commit against 100 rows in one multi-row INSERT per commit. The
 * ingest path needs ~3,000 webhooks/s; this says whether one row per commit can get there.
 * Runs on a throw-away database of the server in TERN_TEST_DATABASE_URL (default: local `test`).
 */
const base = process.env.TERN_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const SECONDS = Number(process.env.TERN_BENCH_SECONDS ?? 5) || 5;
const EVENT = JSON.stringify({ text: "x".repeat(900) }); // about the size of a WhatsApp text webhook item

let seq = 0;
const row = () => ({
  channel_id: "ch_bench",
  provider_message_id: `wamid.${++seq}`,
  conversation_key: `ch_bench:${seq % 1000}`,
  event_json: EVENT,
  received_at: Date.now(),
});

/** Runs `once` from `callers` loops for SECONDS; returns calls/s. */
async function measure(callers: number, once: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let calls = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await once();
        calls++;
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  // Named like the test databases so a crashed run's leftover is swept after an hour.
  const name = `tern_t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = await connectAdmin(base);
  await admin.create(name);
  let db: Db | undefined;
  try {
    db = await openPostgres({ url: databaseUrl(base, name), poolSize: 16, applicationName: "tern-bench" });
    await installJobSchema((db as PostgresDb).pool);
    const d = db;
    const single = () => d.run(d.q.insertInto("inbox").values(row()));
    const singleTx = (durable: boolean) => () =>
      d.write((tx) => tx.run(tx.q.insertInto("inbox").values(row())), { durable });
    const hundred = () =>
      d.write((tx) => tx.run(tx.q.insertInto("inbox").values(Array.from({ length: 100 }, row))));
    // What a webhook's ingest writes: its inbox row and its conversation's job, in one transaction.
    const ingest = (group: boolean) => () =>
      d.write(
        async (tx) => {
          const r = row();
          await tx.run(tx.q.insertInto("inbox").values(r));
          await createJobRepo(tx).conversations([r.conversation_key]);
        },
        { group },
      );
    const cases: Array<[string, number, number, () => Promise<unknown>]> = [
      ["ingest (row + job), write(), 64 callers", 64, 1, ingest(false)],
      ["ingest (row + job), write({ group: true }), 64 callers", 64, 1, ingest(true)],
      ["1 row, autocommit INSERT, 1 caller", 1, 1, single],
      ["1 row, write() (BEGIN/INSERT/COMMIT), 1 caller", 1, 1, singleTx(true)],
      ["1 row, write(), 16 callers", 16, 1, singleTx(true)],
      ["1 row, write({ durable: false }), 16 callers", 16, 1, singleTx(false)],
      ["100-row INSERT per write(), 1 caller", 1, 100, hundred],
      ["100-row INSERT per write(), 4 callers", 4, 100, hundred],
    ];
    process.stdout.write(
      `PostgreSQL inbox inserts — ${os.cpus().length} CPUs, ${SECONDS} s each, ~1 KB rows, durable unless noted\n`,
    );
    for (const [label, callers, rows, once] of cases) {
      const commits = await measure(callers, once);
      process.stdout.write(
        `${label.padEnd(56)} ${Math.round(commits).toLocaleString("en").padStart(7)} commits/s  ${Math.round(
          commits * rows,
        )
          .toLocaleString("en")
          .padStart(8)} rows/s\n`,
      );
    }
  } finally {
    await db?.close();
    await admin.drop(name);
    await admin.close();
  }
}

await main();
