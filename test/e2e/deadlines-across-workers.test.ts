import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { createCustomer, provisionSandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { testDatabaseEnv, testDialect } from "../helpers/dialect.js";
import { runsWaiting } from "../helpers/in-process.js";

/**
 * On PostgreSQL a deadline is the run's `timeout_at`, read by every worker process's timer, not a
 * job of its own (src/queue/README.md, "Deadlines"). One ingest process and two workers; one
 * worker is SIGKILLed while the run waits: the wait still ends once, on time give or take the
 * 5 s a timer sleeps at most, whichever worker had set it.
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Follow up later",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "hold", type: "send", text: "Thanks, we'll follow up shortly.", next: "pause" },
    { id: "pause", type: "wait", duration: "PT3S", next: "follow_up" },
    { id: "follow_up", type: "send", text: "Following up as promised." },
  ],
};

describe.skipIf(testDialect !== "postgres")("deadlines across worker processes", () => {
  it("a wait ends once after a worker is SIGKILLed, and no job row stands for it while it waits", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-deadline-"));
    const sandbox = await startSandbox();
    const secrets = processSecrets();
    const database = await testDatabaseEnv(secrets);
    const port = await freePort();
    const env = { ...database.env, TERN_LOG_LEVEL: "warn" };
    const processes: TernProcess[] = [];
    const spawn = async (command: "serve" | "worker") => {
      const p = await spawnTern({
        dataDir,
        ...secrets,
        ...(command === "serve" ? { port, noWorker: true } : { command: "worker" as const }),
        env,
        startTimeoutMs: 60_000,
      });
      processes.push(p);
      return p;
    };
    const location = database.location(dataDir);
    const rows = new pg.Client({ connectionString: location.dialect === "postgres" ? location.url : "" });
    try {
      const serve = await spawn("serve");
      // Its banner names the PostgreSQL database it runs on (no password), not a SQLite file.
      const database = /^ {2}database: +(\S+) \(PostgreSQL\)$/m.exec(serve.output())?.[1];
      expect(database && new URL(database).pathname).toBe(
        new URL((env as Record<string, string>).DATABASE_URL ?? "").pathname,
      );
      expect(serve.output()).not.toMatch(/^ {2}data: /m);
      const [first] = [await spawn("worker"), await spawn("worker")];
      await rows.connect();
      const api = createAdminClient(serve.url, secrets.adminToken);
      const setup = await provisionSandbox(api, sandbox, { flow });
      const customer = createCustomer(sandbox, setup.webhookUrl, "33622223333");

      await customer.say("hello");
      await customer.waitForReplies(1);
      await runsWaiting(api);
      const waiting = await rows.query<{ timeout_at: string }>(
        "select timeout_at from runs where status = 'waiting'",
      );
      const deadline = Number(waiting.rows[0]?.timeout_at);
      expect(deadline).toBeGreaterThan(Date.now());
      // The deadline is the row: no graphile job waits for it. The conversation's job is removed
      // once its task returns, a moment after the run it stored is seen waiting: looked at until then.
      const jobsLeft = async () =>
        (await rows.query<{ task_identifier: string }>("select task_identifier from graphile_worker.jobs"))
          .rows;
      await expect.poll(jobsLeft, { timeout: 10_000 }).toEqual([]);

      await first?.kill();
      const replies = await customer.waitForReplies(2, 30_000);
      expect(replies.map((r) => r.text)).toEqual([
        "Thanks, we'll follow up shortly.",
        "Following up as promised.",
      ]);
      const endedAt = Date.now();
      expect(endedAt).toBeGreaterThanOrEqual(deadline);
      // The surviving worker's timer reads the earliest deadline at least every 5 s.
      expect(endedAt - deadline).toBeLessThan(5_000 + 5_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(customer.received()).toHaveLength(2);
      const ended = await rows.query<{ status: string }>("select status from runs");
      expect(ended.rows).toEqual([{ status: "completed" }]);
    } finally {
      await rows.end().catch(() => {});
      for (const p of processes) await p.stop().catch(() => {});
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
