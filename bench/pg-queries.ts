import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { templatePath } from "../src/core/paths.js";
import { createClient } from "./load.js";
import { startBenchStack } from "./stack.js";

/**
 * `node dist/bench/pg-queries.js [count] [lead]`: how many PostgreSQL queries and transactions
 * each Tern process sends per echo message (ingest in `serve --no-worker`, the run in one `tern
 * worker`), counted by `pg-query-hook.ts`. Messages go one conversation each at 20/s, so nothing
 * batches by accident: the figure is the per-message cost the engine pays (after 200 warm-up
 * messages; the CPU time includes what the processes spend idle, about 25 ms/s each). With
 * `lead`: per conversation of the lead template (three messages, three replies, one Lead), one
 * conversation at a time. With `TERN_QUERIES_SQLITE=1`: the same on SQLite (one `serve` process,
 * every statement counted, BEGIN / SAVEPOINT / COMMIT included).
 */
// As in run.ts: an answer is not held for burst grouping (a deliberate wait, not work).
process.env.TERN_BURST_WINDOW_MS ??= "0";
const MESSAGES = Number(process.argv[2] ?? 200);
const IS_LEAD = process.argv[3] === "lead";
const WARM_UP = IS_LEAD ? 50 : 200;
const IS_SQLITE = process.env.TERN_QUERIES_SQLITE === "1";
const PG_URL = process.env.TERN_BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tern-queries-"));
  const hook = path.join(path.dirname(fileURLToPath(import.meta.url)), "pg-query-hook.js");
  process.env.TERN_NODE_ARGS = `--import ${hook} ${process.env.TERN_NODE_ARGS ?? ""}`.trim();
  process.env.TERN_QUERY_COUNT_DIR = dir;
  const stack = await startBenchStack({
    flow: IS_LEAD
      ? JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"))
      : {
          schema: "tern.flow/v1",
          name: "Echo",
          trigger: { type: "message", channels: ["whatsapp"] },
          steps: [{ id: "echo", type: "send", text: "Got it: {{ message.text }}" }],
        },
    ...(IS_SQLITE ? {} : { postgres: PG_URL, noWorker: true, workers: 1 }),
  });
  const client = createClient(stack.tern.url);
  let replies = 0;
  const repliesTo = new Map<string, number>();
  const off = stack.sandbox.wa.onSent((m) => {
    replies++;
    repliesTo.set(m.to, (repliesTo.get(m.to) ?? 0) + 1);
  });
  try {
    const snapshot = () =>
      new Map(
        readdirSync(dir).map((f) => {
          const c = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as {
            argv: string[];
            queries: number;
            transactions: number;
            top: Array<[string, number]>;
            cpuUs: number;
          };
          return [f, c] as const;
        }),
      );
    // Conversations go 25 at once, their messages one after the other's reply.
    const converse = async (from: number, count: number) => {
      const one = async (i: number) => {
        const number = `1555400${String(i).padStart(4, "0")}`;
        for (const [turn, text] of ["Hi", `Person ${i}`, `Company ${i}`].entries()) {
          await client.post(stack.webhook(number, text));
          while ((repliesTo.get(number) ?? 0) <= turn) await new Promise((r) => setTimeout(r, 5));
        }
      };
      for (let i = from; i < from + count; i += 25)
        await Promise.all(Array.from({ length: Math.min(25, from + count - i) }, (_, k) => one(i + k)));
      await new Promise((r) => setTimeout(r, 1_500));
    };
    const send = async (from: number, count: number) => {
      if (IS_LEAD) return converse(from, count);
      for (let i = from; i < from + count; i++) {
        await client.post(stack.webhook(`1555300${String(i).padStart(4, "0")}`, `ping ${i}`));
        await new Promise((r) => setTimeout(r, 50));
      }
      while (replies < from + count) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 1_500));
    };
    // Warm-up: the first messages pay for compiling the code they run (about 1 ms of CPU each
    // here), which is not what a message costs.
    await send(0, WARM_UP);
    const before = snapshot();
    await send(WARM_UP, MESSAGES);
    const after = snapshot();
    for (const [file, c] of after) {
      const b = before.get(file);
      const role = c.argv.includes("worker") ? "worker" : IS_SQLITE ? "serve" : "serve --no-worker";
      const q = (c.queries - (b?.queries ?? 0)) / MESSAGES;
      const t = (c.transactions - (b?.transactions ?? 0)) / MESSAGES;
      const cpu = (c.cpuUs - (b?.cpuUs ?? 0)) / MESSAGES;
      process.stdout.write(
        `${role}: ${q.toFixed(1)} queries, ${t.toFixed(2)} transactions and ${cpu.toFixed(0)} µs of CPU per ${IS_LEAD ? "conversation" : "message"}\n`,
      );
      const baseTop = new Map(b?.top ?? []);
      for (const [text, n] of c.top) {
        const per = (n - (baseTop.get(text) ?? 0)) / MESSAGES;
        if (per >= 0.05) process.stdout.write(`  ${per.toFixed(2)}  ${text}\n`);
      }
    }
  } finally {
    off();
    client.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
