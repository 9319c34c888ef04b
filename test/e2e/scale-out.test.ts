import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { buildTextWebhook, postWebhook } from "../../src/sandbox/whatsapp/index.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";

/**
 * Tern as a business that outgrew one machine runs it: one `tern serve --no-worker` taking the
 * webhooks and `tern worker` processes running the flows, all on one PostgreSQL. The sandbox
 * (Salesforce emulator, WhatsApp simulator) lives in this process and outlives every kill, so it
 * sees any lost, duplicated or reordered message and any second Lead.
 */
// The figure: 1,000 conversations (72 s on a quiet 2-core machine); TERN_SCALE_CONVERSATIONS changes it.
const CONVERSATIONS = Number(process.env.TERN_SCALE_CONVERSATIONS ?? 1000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(testDialect !== "postgres")("many Tern processes on one PostgreSQL", () => {
  let sandbox: Sandbox;
  let database: TestDatabaseEnv;
  let setup: Provisioned;
  let port: number;
  let serve: TernProcess;
  const workers: TernProcess[] = [];
  let rows: pg.Client;

  const env = () => ({ ...database.env, TERN_SEND_RECONCILE_MS: "10000", TERN_LOG_LEVEL: "warn" });
  const secrets = () => ({
    adminToken: database.env.TERN_ADMIN_TOKEN as string,
    secretKey: database.env.TERN_SECRET_KEY as string,
  });
  const startServe = async () => {
    serve = await spawnTern({
      dataDir: "/nonexistent-unused",
      ...secrets(),
      port,
      noWorker: true,
      env: env(),
      startTimeoutMs: 60_000,
    });
  };
  const startWorker = async (concurrency: number) => {
    const worker = await spawnTern({
      dataDir: "/nonexistent-unused",
      ...secrets(),
      command: "worker",
      args: ["--concurrency", String(concurrency)],
      env: env(),
      startTimeoutMs: 60_000,
    });
    workers.push(worker);
    return worker;
  };
  const webhookUrl = () => `http://127.0.0.1:${port}/webhooks/${setup.channelId}`;
  const count = async (query: string): Promise<number> => Number((await rows.query(query)).rows[0]?.n ?? -1);

  /**
   * What the database and the processes say, for a run that stopped making progress: a hang then
   * fails within minutes with its cause on record instead of running into the test timeout.
   */
  const diagnose = async (): Promise<string> => {
    const queries = {
      pendingInbox:
        "select count(*) as n, min(conversation_key) as sample from inbox where processed_at is null",
      runs: "select status, count(*) as n from runs group by status",
      jobs: "select task_identifier, locked_by, attempts, max_attempts, count(*) as n, min(run_at) as first_run_at, max(last_error) as last_error from graphile_worker.jobs group by 1, 2, 3, 4",
      jobWorkers: "select * from job_workers",
      turns: "select count(*) as n, min(holder) as holder from conversation_turns",
      effects: "select status, count(*) as n from effects group by status",
    };
    const lines: string[] = [];
    for (const [name, query] of Object.entries(queries)) {
      const result = await rows.query(query).catch((error: Error) => ({ rows: [`(${error.message})`] }));
      lines.push(`${name}: ${JSON.stringify(result.rows)}`);
    }
    const tail = (p: TernProcess) => p.output().slice(-4_000);
    return [
      ...lines,
      `sent so far: ${sandbox.wa.sent.length}`,
      `serve output:\n${tail(serve)}`,
      ...workers.map((w, i) => `worker ${i} output:\n${tail(w)}`),
    ].join("\n");
  };
  /** Rejects with `diagnose()` once the simulator has received nothing for `quietMs`. */
  const stallGuard = (quietMs = Number(process.env.TERN_SCALE_STALL_MS ?? 120_000)) => {
    let last = Date.now();
    const off = sandbox.wa.onSent(() => {
      last = Date.now();
    });
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        if (Date.now() - last < quietMs) return;
        clearInterval(timer);
        void diagnose().then((report) => reject(new Error(`no reply for ${quietMs} ms:\n${report}`)));
      }, 1_000);
    });
    stalled.catch(() => undefined);
    return {
      stalled,
      stop() {
        off();
        clearInterval(timer);
      },
    };
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    database = await testDatabaseEnv();
    port = await freePort();
    await startServe();
    setup = await provisionSandbox(createAdminClient(serve.url, secrets().adminToken), sandbox);
    // Like Meta, the simulator reports delivery statuses to the webhook (unknown sends reconcile on them).
    sandbox.wa.deliverStatusesTo(webhookUrl());
    unsubscribe = countSends();
    rows = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await rows.connect();
  }, 120_000);
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
  });
  afterAll(async () => {
    sandbox?.wa.deliverStatusesTo(null);
    unsubscribe?.();
    await rows?.end();
    await serve?.stop();
    await sandbox?.close();
    await database?.drop();
  });

  /** Meta's side: POST until a 2xx comes back (a killed server refuses or resets the connection). */
  async function deliver(body: unknown): Promise<void> {
    for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      try {
        const response = await postWebhook(
          webhookUrl(),
          body as Parameters<typeof postWebhook>[1],
          sandbox.wa.config.appSecret,
        );
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // refused or reset: delivered again
      }
      await sleep(pauseMs);
    }
  }

  /**
   * Resolves when `from` has received `n` messages. One listener counts per recipient and wakes
   * only that recipient's waiters: a thousand customers scanning every sent message would starve
   * the processes under test.
   */
  const received = new Map<string, number>();
  const waiters = new Map<string, Array<{ n: number; wake(): void }>>();
  let unsubscribe: (() => void) | undefined;
  const countSends = () =>
    sandbox.wa.onSent((m) => {
      received.set(m.to, (received.get(m.to) ?? 0) + 1);
      const list = waiters.get(m.to) ?? [];
      const still = list.filter((w) => {
        if ((received.get(m.to) ?? 0) < w.n) return true;
        w.wake();
        return false;
      });
      waiters.set(m.to, still);
    });
  function repliesReach(from: string, n: number): Promise<void> {
    if ((received.get(from) ?? 0) >= n) return Promise.resolve();
    return new Promise<void>((wake) => waiters.set(from, [...(waiters.get(from) ?? []), { n, wake }]));
  }

  it(`${CONVERSATIONS} interleaved lead conversations across two workers, one SIGKILLed mid-run: one Lead each, replies in order, nothing lost`, async () => {
    const [, victim] = [await startWorker(16), await startWorker(16)];
    const customers = Array.from({ length: CONVERSATIONS }, (_, i) => ({
      from: `1555100${String(i).padStart(4, "0")}`,
      name: `Grace ${i}`,
      company: `Company ${i}`,
    }));
    let unfinishedAtKill = -1;
    const killer = (async () => {
      // Mid-run: a third of the Leads exist.
      while (sandbox.sf.records("Lead").length < CONVERSATIONS / 3) await sleep(20);
      unfinishedAtKill = CONVERSATIONS - sandbox.sf.records("Lead").length;
      await victim?.kill();
    })();
    const guard = stallGuard();
    const conversations = Promise.all(
      customers.map(async (c, i) => {
        await sleep((i % 100) * 10); // arrivals spread over the first second
        for (const [turn, text] of ["hi", c.name, c.company].entries()) {
          await deliver(
            buildTextWebhook({ from: c.from, text, name: c.name, id: `wamid.scale.${c.from}.${turn}` }),
          );
          await repliesReach(c.from, turn + 1);
        }
      }),
    );
    try {
      await Promise.race([conversations, guard.stalled]);
    } finally {
      guard.stop();
    }
    await killer;
    await sleep(500); // a late duplicate would show up now

    expect(unfinishedAtKill).toBeGreaterThan(0);
    const leads = sandbox.sf.records("Lead");
    expect(leads).toHaveLength(CONVERSATIONS);
    const leadByName = new Map(leads.map((l) => [l.LastName as string, l.Id]));
    expect(leadByName.size).toBe(CONVERSATIONS);
    for (const c of customers) {
      const texts = sandbox.wa.sent.filter((m) => m.to === c.from).map((m) => m.text);
      expect(
        texts,
        `${c.from}; worker output:\n${workers.map((w) => w.output().slice(-3_000)).join("\n---\n")}`,
      ).toEqual([
        "Hi! Thanks for getting in touch. What's your name?",
        `Thanks ${c.name}! Which company are you with?`,
        `Done, ${c.name} — a colleague will be in touch soon. Your reference is ${leadByName.get(c.name)}.`,
      ]);
    }
    expect(sandbox.wa.sent).toHaveLength(3 * CONVERSATIONS);
    expect(await count("select count(*) as n from runs where status = 'completed'")).toBe(CONVERSATIONS);
    expect(await count("select count(*) as n from inbox")).toBe(3 * CONVERSATIONS);
    expect(await count("select count(*) as n from inbox where processed_at is null")).toBe(0);
    expect(await count("select count(*) as n from effects where status <> 'done'")).toBe(0);
  }, 600_000);

  it("the ingest process SIGKILLed mid-burst loses no acknowledged message", async () => {
    await startWorker(16);
    const burst = Array.from({ length: 400 }, (_, i) => ({
      from: `1555200${String(i).padStart(4, "0")}`,
      id: `wamid.burst.${i}`,
    }));
    const acknowledged: string[] = [];
    let killed = false;
    const killer = (async () => {
      while (acknowledged.length < 100) await sleep(2);
      killed = true;
      await serve.kill();
    })();
    // Every webhook once, all at once; what the kill cut off is not acknowledged.
    await Promise.all(
      burst.map(async (b) => {
        try {
          const response = await postWebhook(
            webhookUrl(),
            buildTextWebhook({ from: b.from, text: "hi", id: b.id }),
            sandbox.wa.config.appSecret,
          );
          await response.arrayBuffer();
          if (response.ok) acknowledged.push(b.id);
        } catch {
          // cut by the kill
        }
      }),
    );
    await killer;
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    await startServe();

    // Every acknowledged message was stored before its 200, and the worker answers each once.
    const stored = new Set(
      (
        await rows.query(
          "select provider_message_id from inbox where provider_message_id like 'wamid.burst.%'",
        )
      ).rows.map((r: { provider_message_id: string }) => r.provider_message_id),
    );
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    const answered = burst.filter((b) => acknowledged.includes(b.id));
    const guard = stallGuard();
    try {
      await Promise.race([Promise.all(answered.map((b) => repliesReach(b.from, 1))), guard.stalled]);
    } finally {
      guard.stop();
    }
    await sleep(500);
    for (const b of answered) expect(sandbox.wa.sent.filter((m) => m.to === b.from)).toHaveLength(1);
  }, 300_000);
});
