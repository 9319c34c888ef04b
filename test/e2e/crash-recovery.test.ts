import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import {
  createCustomer,
  type Provisioned,
  provisionSandbox,
  type Sandbox,
  startSandbox,
} from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * SIGKILL at the worst moments. Tern runs as a real child process on a real database (the
 * suite's dialect: a SQLite file or PostgreSQL); the sandbox lives in the test process and
 * outlives every crash, so it sees any duplicate.
 */
describe("a killed server loses nothing and duplicates nothing", () => {
  let dataDir: string;
  let sandbox: Sandbox;
  let tern: TernProcess | null;
  let setup: Provisioned;
  let database: TestDatabaseEnv;
  const secrets = processSecrets();

  let port = 0;
  const start = async (noWorker = false) => {
    // Sends cut off by a kill wait this long for the provider's status before being resent.
    tern = await spawnTern({
      dataDir,
      ...secrets,
      noWorker,
      port,
      env: { ...database.env, TERN_SEND_RECONCILE_MS: "3000" },
    });
    return tern;
  };
  const webhookUrl = () => `${tern!.url}/webhooks/${setup.channelId}`;
  const customers = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => {
      const from = `${prefix}${String(1000 + i)}`;
      // The webhook URL changes with the port of each new process: resolve it per call.
      return {
        from,
        say: (text: string) => createCustomer(sandbox, webhookUrl(), from).say(text),
        received: () => sandbox.wa.sent.filter((m) => m.to === from),
      };
    });
  const repliesReach = async (
    list: Array<{ from: string; received(): unknown[] }>,
    n: number,
    timeoutMs = 20_000,
  ) => {
    try {
      await eventually(
        () => list.every((c) => c.received().length >= n),
        timeoutMs,
        `every customer to have ${n} replies`,
      );
    } catch (error) {
      // What a failure on a loaded CI machine needs to be told apart: who is behind, and what Tern said.
      const behind = list
        .filter((c) => c.received().length < n)
        .map((c) => `${c.from}: ${c.received().length}`);
      throw new Error(
        `${(error as Error).message}; behind: ${behind.join(", ")}\nTern's output:\n${tern?.output().slice(-6_000)}`,
      );
    }
  };

  const assertCompleted = async (list: Array<{ from: string; received(): Array<{ text: string }> }>) => {
    await repliesReach(list, 3);
    const leads = sandbox.sf.records("Lead");
    for (const c of list) {
      const mine = leads.filter((l) => l.Phone === `+${c.from}`);
      expect(mine, `leads of ${c.from}`).toHaveLength(1);
      const texts = c.received().map((m) => m.text);
      expect(texts, `replies of ${c.from}`).toHaveLength(3);
      expect(texts[2]).toContain(mine[0]!.Id);
    }
    // Nothing arrives late: give a straggler the chance to show up, then count again.
    await new Promise((r) => setTimeout(r, 300));
    for (const c of list) expect(c.received()).toHaveLength(3);
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-crash-"));
    database = await testDatabaseEnv(secrets);
    sandbox = await startSandbox();
    port = await freePort();
    await start();
    setup = await provisionSandbox(createAdminClient(tern!.url, secrets.adminToken), sandbox);
    // Like Meta, the simulator posts (and retries) delivery statuses; they echo Tern's effect key,
    // which is how a send interrupted by a crash is recognised as already delivered.
    sandbox.wa.deliverStatusesTo(webhookUrl());
  });
  afterEach(async () => {
    await tern?.stop();
    await sandbox.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Three process starts: on a loaded 2-core CI machine one PostgreSQL start has taken over 15 s.
  it("(a) killed after the 200 and before processing: every acknowledged message is processed after restart", async () => {
    await tern!.kill();
    await start(true); // accept-and-store only: nothing is processed before the kill
    const list = customers(10, "1555010");
    const acks = await Promise.all(list.map((c) => c.say("hi")));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    expect(sandbox.wa.sent).toHaveLength(0);
    await tern!.kill();

    await start();
    await repliesReach(list, 1);
    for (const c of list) await c.say(`Name ${c.from}`);
    await repliesReach(list, 2);
    for (const c of list) await c.say(`Company ${c.from}`);
    await assertCompleted(list);
  }, 90_000);

  it("(a') killed right after a burst of acknowledged webhooks, mid-processing", async () => {
    const list = customers(30, "1555020");
    const acks = await Promise.all(list.map((c) => c.say("hi")));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    await tern!.kill();
    await start();
    await repliesReach(list, 1);
    for (const c of list) await c.say(`Name ${c.from}`);
    await repliesReach(list, 2);
    const lastAcks = await Promise.all(list.map((c) => c.say(`Company ${c.from}`)));
    expect(lastAcks.every((a) => a.status === 200)).toBe(true);
    await tern!.kill();
    await start();
    await assertCompleted(list);
    // Two kills: on PostgreSQL each killed process's jobs are taken over once its heartbeat is
    // stale (15 s), on top of the restarts.
  }, 90_000);

  it("(b) killed while runs wait for a reply: the conversations continue after restart", async () => {
    const list = customers(10, "1555030");
    for (const c of list) await c.say("hi");
    await repliesReach(list, 1);
    for (const c of list) await c.say(`Name ${c.from}`);
    await repliesReach(list, 2);
    await tern!.kill();
    await start();
    for (const c of list) await c.say(`Company ${c.from}`);
    await assertCompleted(list);
  }, 60_000);

  it("(c) killed while the Salesforce create is in flight: one Lead each, found again instead of created twice", async () => {
    const list = customers(5, "1555040");
    for (const c of list) await c.say("hi");
    await repliesReach(list, 1);
    for (const c of list) await c.say(`Name ${c.from}`);
    await repliesReach(list, 2);

    sandbox.sf.holdCreates();
    for (const c of list) await c.say(`Company ${c.from}`);
    // Every create reached Salesforce and was committed; the answers are withheld.
    await sandbox.sf.waitForCreate(list.length);
    await tern!.kill();
    sandbox.sf.releaseCreates({ drop: true });
    expect(sandbox.sf.records("Lead")).toHaveLength(list.length);

    await start();
    await assertCompleted(list);
    expect(sandbox.sf.createRequests).toBe(list.length);
  }, 60_000);
});
