import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ApiClient, createAdminClient } from "../src/cli/api-client.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../src/sandbox/tern-process.js";
import { buildTextWebhook, signWebhook } from "../src/sandbox/whatsapp/index.js";
import { connectAdmin, databaseUrl } from "../src/store/postgres/admin.js";
import type { PreparedRequest } from "./load.js";
import { postgresPids } from "./pinning.js";

/**
 * The benchmarked number is on Meta's upgraded tier (1,000 messages/s): at the default 80/s the
 * send pacer, not Tern, would set every throughput figure above 80 replies/s per process.
 */
const BENCH_CHANNEL_CONFIG = { sendRatePerSecond: 1_000 };

/** Tern in its own process (measured from outside), the sandbox in the benchmark process. */
export interface BenchStack {
  /** The process serving webhooks (its RSS is the one measured). */
  tern: TernProcess;
  /** PostgreSQL: the `tern worker` processes. */
  workers: TernProcess[];
  sandbox: Sandbox;
  setup: Provisioned;
  /** The admin API of the serving process. */
  api: ApiClient;
  /** A signed webhook carrying one text message from `from`. */
  webhook(from: string, text: string): PreparedRequest;
  rssMb(): number;
  /**
   * Starts counting Tern's CPU time, its workers' included (user + system, from /proc): the
   * returned function gives the ms spent since, per `count` requests — a steadier figure than
   * the rate on a machine whose neighbours take a varying share of the host.
   */
  cpuMeter(): (count: number) => number;
  /** The same for this machine's `postgres` processes (the PostgreSQL scenarios' local server). */
  postgresCpuMeter(): (count: number) => number;
  /** Samples Tern's RSS every `intervalMs` until the returned function is called; it returns the peak. */
  sampleRss(intervalMs?: number): () => number;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  flow?: unknown;
  /** Ingest only (`serve --no-worker`); on PostgreSQL the `workers` processes run the flows. */
  noWorker?: boolean;
  cpus?: string;
  /**
   * A PostgreSQL server (any database of it, for maintenance): Tern runs on a fresh database
   * created there for this stack and dropped at close, as `serve --no-worker` + `workers`.
   */
  postgres?: string;
  /** PostgreSQL: `tern worker` processes to start after provisioning (default 0). */
  workers?: number;
}

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  if (options.postgres) return startPostgresStack(options, options.postgres);
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-bench-"));
  const sandbox = await startSandbox();
  const secrets = processSecrets();
  const port = await freePort();
  // Provision with the worker running, then restart as asked (e.g. ingest only).
  let tern = await spawnTern({ dataDir, ...secrets, port, cpus: options.cpus });
  const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox, {
    flow: options.flow,
    channelConfig: BENCH_CHANNEL_CONFIG,
  });
  if (options.noWorker) {
    await tern.stop();
    tern = await spawnTern({ dataDir, ...secrets, port, noWorker: true, cpus: options.cpus });
  }
  const api = createAdminClient(tern.url, secrets.adminToken);
  return benchStack(tern, [], sandbox, setup, api, async () => {
    dumpOutputs([tern]);
    if (!process.env.TERN_BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dataDir}\n`);
  });
}

/** `serve --no-worker` and N `tern worker` processes on a database of their own. */
async function startPostgresStack(options: BenchStackOptions, serverUrl: string): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-bench-"));
  // Named like the test databases, so a crashed run's leftover is swept by the test harness.
  const name = `tern_t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = await connectAdmin(serverUrl);
  await admin.create(name, { comment: "tern bench" });
  const env = { DATABASE_URL: databaseUrl(serverUrl, name) };
  const secrets = processSecrets();
  const sandbox = await startSandbox();
  const started: TernProcess[] = [];
  const dispose = async () => {
    for (const p of started.reverse()) await p.stop();
    await admin.drop(name);
    await admin.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const spawn = async (command: "serve" | "worker") => {
      const p = await spawnTern({
        dataDir,
        ...secrets,
        noWorker: command === "serve",
        command,
        cpus: options.cpus,
        env,
      });
      started.push(p);
      return p;
    };
    const tern = await spawn("serve");
    const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox, {
      flow: options.flow,
      channelConfig: BENCH_CHANNEL_CONFIG,
    });
    // Workers after provisioning: they find the published flow from their first job.
    const workers: TernProcess[] = [];
    for (let i = 0; i < (options.workers ?? 0); i++) workers.push(await spawn("worker"));
    const api = createAdminClient(tern.url, secrets.adminToken);
    return benchStack(tern, workers, sandbox, setup, api, async () => {
      for (const w of workers) await w.stop();
      dumpOutputs([tern, ...workers]);
      if (process.env.TERN_BENCH_KEEP) {
        process.stderr.write(`kept database ${name}\n`);
        await admin.close();
        return;
      }
      await admin.drop(name);
      await admin.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
  } catch (error) {
    await sandbox.close();
    await dispose();
    throw error;
  }
}

/** `TERN_BENCH_OUTPUT=1`: each Tern process's log (warnings and errors) on stderr at close. */
function dumpOutputs(processes: TernProcess[]): void {
  if (!process.env.TERN_BENCH_OUTPUT) return;
  for (const p of processes) process.stderr.write(`--- pid ${p.child.pid}\n${p.output()}\n`);
}

function benchStack(
  tern: TernProcess,
  workers: TernProcess[],
  sandbox: Sandbox,
  setup: Provisioned,
  api: ApiClient,
  cleanup: () => Promise<void>,
): BenchStack {
  const webhookPath = new URL(setup.webhookUrl).pathname;
  const appSecret = sandbox.wa.config.appSecret;
  const rssMb = () => {
    const status = readFileSync(`/proc/${tern.child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  };
  const cpuMs = () => [tern, ...workers].reduce((sum, p) => sum + processCpuMs(p.child.pid), 0);
  return {
    tern,
    workers,
    sandbox,
    setup,
    api,
    cpuMeter() {
      const before = cpuMs();
      return (count) => (cpuMs() - before) / Math.max(1, count);
    },
    postgresCpuMeter() {
      const before = postgresCpuMs();
      return (count) => {
        const after = postgresCpuMs();
        let ms = 0;
        // Backends that came or went in between are left out (a pool's connections stay).
        for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? cpu);
        return ms / Math.max(1, count);
      };
    },
    webhook(from, text) {
      const body = JSON.stringify(buildTextWebhook({ from, text }));
      return {
        path: webhookPath,
        body,
        headers: { "content-type": "application/json", "x-hub-signature-256": signWebhook(body, appSecret) },
      };
    },
    rssMb,
    sampleRss(intervalMs = 100) {
      let peak = rssMb();
      const timer = setInterval(() => {
        peak = Math.max(peak, rssMb());
      }, intervalMs);
      return () => {
        clearInterval(timer);
        return Math.max(peak, rssMb());
      };
    },
    async close() {
      await tern.stop();
      await sandbox.close();
      await cleanup();
    },
  };
}

/** Clock ticks per second of /proc's CPU times: 100 on Linux (USER_HZ) whatever the kernel's HZ. */
const USER_HZ = 100;

function postgresCpuMs(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of postgresPids()) {
    try {
      cpu.set(pid, processCpuMs(pid));
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

export function processCpuMs(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / USER_HZ;
}
