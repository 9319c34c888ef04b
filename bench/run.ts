import os from "node:os";
import { connectAdmin } from "../src/store/postgres/admin.js";
import { channelAck } from "./channel-ack.js";
import { type Figure, medianRun } from "./figures.js";
import { pinBenchProcess, pinLocalPostgres } from "./pinning.js";
import { salesforceCalls } from "./salesforce-calls.js";
import {
  type BenchContext,
  durableAck,
  leadLatency,
  memory,
  PG_PIPELINE_RATES,
  pgPipeline,
  pgPipelineFigureName,
  pipeline,
} from "./scenarios.js";
import { uiLoad } from "./ui-load.js";

/**
 * `npm run bench`: each scenario starts fresh Tern processes on a fresh database and drives them
 * over loopback with signed WhatsApp webhooks, three times (TERN_BENCH_RUNS); each figure is the
 * median of the runs, printed with all of them, against the targets. SQLite first, then
 * PostgreSQL (a fresh database per run on TERN_BENCH_DATABASE_URL's server).
 * `npm run bench -- sqlite` or `-- pg` runs one mode; scenario names run a subset (`-- ack pg-lead`,
 * `-- ui` for the browser UI's load times and bundle size).
 */
type Scenario = (ctx: BenchContext) => Promise<Figure[]>;
const modes: Record<"sqlite" | "pg", Record<string, Scenario>> = {
  sqlite: {
    ack: durableAck,
    pipeline,
    lead: leadLatency,
    memory,
    "sf-calls": salesforceCalls,
    "channel-ack": channelAck,
    // The browser UI's first load and bundle size (SQLite, like `npm start` with no database set).
    ui: uiLoad,
  },
  pg: {
    "pg-ack": durableAck,
    "pg-pipeline-1": pgPipeline(1),
    "pg-pipeline-2": pgPipeline(2),
    "pg-lead": leadLatency,
  },
};

// The figures measure Tern's own work: an answer to an `ask` is not held for burst grouping (its
// window, 2 s by default, is a deliberate wait for more messages, not processing time). Spawned
// servers inherit this.
process.env.TERN_BURST_WINDOW_MS ??= "0";

/** The server the PostgreSQL scenarios create their databases on (any database of it). */
const PG_URL =
  process.env.TERN_BENCH_DATABASE_URL ||
  process.env.TERN_TEST_DATABASE_URL ||
  "postgres://postgres@127.0.0.1:5432/test";

const format = (v: number) =>
  v >= 100 ? Math.round(v).toLocaleString("en") : v < 1 && v > 0 ? v.toFixed(3) : v.toFixed(1);

/** Why PostgreSQL cannot be used, or undefined when it answers and lets us create databases. */
async function postgresUnavailable(url: string): Promise<string | undefined> {
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve("no answer within 5 s"), 5_000).unref(),
  );
  const attempt = connectAdmin(url).then(
    async (admin) => {
      await admin.close();
      return undefined;
    },
    (err: unknown) => (err instanceof Error ? err.message : String(err)) || "connection failed",
  );
  return Promise.race([attempt, timeout]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const all = { ...modes.sqlite, ...modes.pg };
  const picked = args.flatMap((a) =>
    a === "sqlite" || a === "pg" ? Object.keys(modes[a]) : a in all ? [a] : [],
  );
  const names = picked.length > 0 ? [...new Set(picked)] : Object.keys(all);
  const runs = Math.max(1, Number(process.env.TERN_BENCH_RUNS ?? 3) || 3);
  const pinning = pinBenchProcess();
  process.stdout.write(
    `Tern benchmarks — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; ${pinning.describe}; median of ${runs} runs\n\n`,
  );
  let postgres: string | undefined;
  if (names.some((n) => n in modes.pg)) {
    const reason = await postgresUnavailable(PG_URL);
    if (reason === undefined) postgres = PG_URL;
    else {
      process.stdout.write(
        `SKIP  PostgreSQL scenarios: ${new URL(PG_URL).host} not usable (${reason}); set TERN_BENCH_DATABASE_URL\n`,
      );
    }
  }
  let pgPinning: ReturnType<typeof pinLocalPostgres> | undefined;
  const medians: Figure[] = [];
  for (const name of names) {
    const isPg = name in modes.pg;
    if (isPg && postgres === undefined) continue;
    // PostgreSQL leaves Tern's core from its first scenario on (the SQLite ones run before).
    if (isPg && postgres && !pgPinning) {
      pgPinning = pinLocalPostgres(postgres, pinning);
      process.stdout.write(`${pgPinning.describe}\n`);
    }
    const byName = new Map<string, Figure[]>();
    for (let r = 0; r < runs; r++) {
      for (const f of await all[name]!({ cpus: pinning.ternCpus, postgres: isPg ? postgres : undefined })) {
        byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
      }
    }
    for (const figures of byName.values()) {
      const f = medianRun(figures);
      medians.push(f);
      const each = runs > 1 ? `  [${figures.map((x) => format(x.value)).join(", ")}]` : "";
      process.stdout.write(
        `${f.isMet ? "PASS" : "MISS"}  ${f.name.padEnd(72)} ${`${format(f.value)} ${f.unit}`.padStart(18)}  (target ${f.target})${each}${f.note ? `  ${f.note}` : ""}\n`,
      );
    }
  }
  pgPinning?.restore();
  printWorkerGrowth(medians);
  const missed = medians.filter((f) => !f.isMet).length;
  process.stdout.write(`\n${medians.length - missed}/${medians.length} targets met\n`);
}

/** How the pipeline's throughput grows from 1 to 2 workers, at the load above the target. */
function printWorkerGrowth(medians: Figure[]): void {
  const rate = PG_PIPELINE_RATES.at(-1) as number;
  const one = medians.find((f) => f.name === pgPipelineFigureName(1, rate));
  const two = medians.find((f) => f.name === pgPipelineFigureName(2, rate));
  if (!one || !two) return;
  process.stdout.write(
    `INFO  ${`PostgreSQL pipeline, 1 → 2 workers at ${rate.toLocaleString("en")}/s offered`.padEnd(72)} ${`× ${(two.value / one.value).toFixed(2)}`.padStart(18)}  (${format(one.value)} → ${format(two.value)} messages/s, medians)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
