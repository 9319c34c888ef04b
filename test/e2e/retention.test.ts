import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { buildTextWebhook, postWebhook } from "../../src/sandbox/whatsapp/index.js";
import { rowCounts as countsIn, selectRows } from "../helpers/db-inspect.js";
import { testDialect } from "../helpers/dialect.js";
import { type Stack, startStack } from "../helpers/in-process.js";

const DAY_MS = 86_400_000;

/** The WhatsApp lead template with each question waiting `timeout` for its answer. */
const leadFlowWaiting = (timeout: string): unknown =>
  JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8").replaceAll('"PT24H"', `"${timeout}"`));

/** A clock the test moves forward: retention is tested by time passing, not by sleeping. */
const movableClock = () => {
  let offsetMs = 0;
  return { now: () => Date.now() + offsetMs, advance: (ms: number) => (offsetMs += ms) };
};

/** Counts rows in every table of Tern's database (a second, read-only connection). */
const rowCounts = (stack: Stack) => countsIn(stack.database);

describe("retention: history older than TERN_RETENTION_DAYS is pruned", () => {
  let stack: Stack;
  afterEach(async () => {
    await stack.close();
  });

  it("prunes a finished conversation after the retention age and keeps a waiting one and recent ones", async () => {
    const clock = movableClock();
    // Questions that wait 60 days: the waiting run must outlive the 30-day age with its deadline
    // ahead (a worker fires a past one any moment, PostgreSQL's every 5 s: not this test's point),
    // and the longest wait raised to match.
    stack = await startStack({
      clock,
      flow: leadFlowWaiting("P60D"),
      env: { TERN_RETENTION_DAYS: "30", TERN_MAX_WAIT: "P90D" },
    });
    const url = stack.setup.webhookUrl;
    // Meta stamps each message with the time it was sent, on the same clock as Tern's here.
    const done = createCustomer(stack.sandbox, url, "4915100000001", "Old Finished", clock.now);
    const waiting = createCustomer(stack.sandbox, url, "4915100000002", "Old Waiting", clock.now);
    await done.say("hi");
    await done.waitForReplies(1);
    await done.say("Grace");
    await done.waitForReplies(2);
    await done.say("Navy");
    await done.waitForReplies(3);
    await waiting.say("hello");
    await waiting.waitForReplies(1);
    // An item Tern acknowledged but could not process (no message id): kept as a rejected event.
    const bad = buildTextWebhook({ from: "4915100000009", text: "unreadable" });
    const [item] = (bad.entry[0]?.changes[0]?.value.messages ?? []) as Array<{ id?: string }>;
    delete item?.id;
    expect((await postWebhook(url, bad, stack.sandbox.wa.config.appSecret)).status).toBe(200);
    await stack.tern.worker.idle();
    const before = await rowCounts(stack);
    expect(before.rejected_events).toBe(1);
    expect(before.runs).toBe(2);

    // A day inside the retention age changes nothing.
    clock.advance(29 * DAY_MS);
    const early = await stack.tern.pruner.runOnce();
    expect(early.runs + early.messages + early.inboxDeleted + early.rejected).toBe(0);
    expect(await rowCounts(stack)).toEqual(before);

    clock.advance(2 * DAY_MS);
    const recent = createCustomer(stack.sandbox, url, "4915100000003", "New Person", clock.now);
    await recent.say("hi");
    await recent.waitForReplies(1);
    await stack.tern.worker.idle();

    const summary = await stack.tern.pruner.runOnce();
    expect(summary).toMatchObject({ runs: 1, messages: 6, rejected: 1, contacts: 1 });
    expect(summary.runSteps).toBeGreaterThan(0);
    expect(summary.effects).toBeGreaterThan(0);
    // All old processed inbox rows are past the 7-day dedupe window: the waiting run's too.
    expect(summary.inboxDeleted).toBe(4);

    // Left: the old waiting run and the recent one.
    expect((await stack.tern.store.runs.list({})).map((r) => r.status)).toEqual(["waiting", "waiting"]);
    const doneContact = (await stack.tern.store.contacts.list()).find((c) => c.name === "Old Finished");
    expect(doneContact).toBeUndefined();
    const waitingContact = (await stack.tern.store.contacts.list()).find((c) => c.name === "Old Waiting");
    // The waiting run's transcript is intact: its messages belong to a run that is kept.
    expect((await stack.tern.store.contacts.messages(waitingContact!.id)).map((m) => m.text)).toHaveLength(2);
    const after = await rowCounts(stack);
    expect(after.rejected_events).toBe(0);
    expect(after.inbox).toBe(1);

    const metrics = await (await stack.http("GET", "/metrics")).text();
    expect(metrics).toContain('tern_retention_pruned_rows_total{action="deleted",table="runs"} 1');
    expect(metrics).toContain('tern_retention_pruned_rows_total{action="deleted",table="messages"} 6');

    // The kept run still answers for itself: its question is answered and it reaches a Lead.
    await waiting.say("Katherine");
    await waiting.waitForReplies(2);
    expect(waiting.received()[1]?.text).toContain("Thanks Katherine");
    await waiting.say("NASA");
    await waiting.waitForReplies(3);
    expect(stack.sandbox.sf.records("Lead").map((l) => l.Company)).toContain("NASA");
  });

  it.runIf(testDialect === "sqlite")(
    "leaves no readable copy of what it pruned in the SQLite file or its WAL",
    async () => {
      // An outside audit found a pass's pruned answers in free pages of tern.db: 231 copies of
      // the names (each step's run state was written anew, freeing its old page whole).
      const clock = movableClock();
      stack = await startStack({ clock, env: { TERN_RETENTION_DAYS: "30" } });
      const url = stack.setup.webhookUrl;
      const person = createCustomer(stack.sandbox, url, "4915100000021", "Pruned Person", clock.now);
      await person.say("hi");
      await person.waitForReplies(1);
      await person.say("Prunable Longname");
      await person.waitForReplies(2);
      await person.say("Prunable Company Ltd");
      await person.waitForReplies(3);
      await stack.tern.worker.idle();
      const at = stack.database;
      if (at.dialect !== "sqlite") throw new Error("SQLite only");
      const files = [at.path, `${at.path}-wal`];
      const bytesMentioning = (needle: string) =>
        files.filter((file) => existsSync(file) && readFileSync(file).includes(needle));
      expect(bytesMentioning("Prunable Longname")).not.toEqual([]);

      clock.advance(31 * DAY_MS);
      const summary = await stack.tern.pruner.runOnce();
      expect(summary).toMatchObject({ runs: 1, contacts: 1 });
      for (const needle of ["Prunable Longname", "Prunable Company Ltd", "4915100000021", "Pruned Person"]) {
        expect(bytesMentioning(needle), needle).toEqual([]);
      }
    },
  );

  it("keeps a redelivered old webhook a no-op inside the dedupe window, then forgets it", async () => {
    const clock = movableClock();
    stack = await startStack({ clock, env: { TERN_RETENTION_DAYS: "1" } });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915100000004", "Short Lived");
    const first = await customer.say("hi");
    await customer.waitForReplies(1);
    await customer.say("Grace");
    await customer.waitForReplies(2);
    await customer.say("Navy");
    await customer.waitForReplies(3);
    await stack.tern.worker.idle();

    clock.advance(2 * DAY_MS);
    const summary = await stack.tern.pruner.runOnce();
    expect(summary).toMatchObject({ runs: 1, inboxDeleted: 0, inboxBlanked: 3 });
    const rows = await selectRows(stack.database, "SELECT event_json FROM inbox");
    expect(rows.map((r) => r.event_json)).toEqual(["{}", "{}", "{}"]);

    // Meta redelivers the first message days later: still a duplicate, nothing runs again.
    expect((await customer.say("hi", first.id)).status).toBe(200);
    await stack.tern.worker.idle();
    expect(await stack.tern.store.runs.list({})).toHaveLength(0);
    expect(customer.received()).toHaveLength(3);
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(1);

    clock.advance(6 * DAY_MS);
    expect((await stack.tern.pruner.runOnce()).inboxDeleted).toBe(3);
    expect(await stack.tern.store.inbox.count()).toBe(0);
  });

  it("keeps everything with TERN_RETENTION_DAYS=off", async () => {
    const clock = movableClock();
    stack = await startStack({ clock, env: { TERN_RETENTION_DAYS: "off" } });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915100000005");
    await customer.say("hi");
    await customer.waitForReplies(1);
    await stack.tern.worker.idle();
    const before = await rowCounts(stack);
    clock.advance(3650 * DAY_MS);
    const summary = await stack.tern.pruner.runOnce();
    expect(Object.values(summary).every((n) => n === 0)).toBe(true);
    expect(await rowCounts(stack)).toEqual(before);
  });
});
