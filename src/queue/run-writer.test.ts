import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSecretBox } from "../core/secrets.js";
import type { WriteOptions } from "../store/db.js";
import { openStore, type Store } from "../store/store.js";
import { createRunWriter } from "./run-writer.js";

/**
 * A run's writes keep their order on any store. The store here is real SQLite; where the order
 * must come from the writer and not from SQLite's single writer, a wrapper makes one transaction
 * slow, as a pooled connection can be.
 */
describe("run writer", () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-run-writer-"));
    store = openStore({ path: path.join(dir, "tern.db"), box: createSecretBox(randomBytes(32)) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The store's writes, recorded; the first one's answer is held back `delayMs` after its commit,
   * as a pooled connection's can be while the next write already has a connection of its own.
   */
  const recording = (delayMs = 0) => {
    const calls: WriteOptions[] = [];
    const write: Store["write"] = async (fn, options = {}) => {
      calls.push(options);
      const isFirst = calls.length === 1;
      const value = await store.write(fn, options);
      if (isFirst && delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return value;
    };
    return { calls, store: { write } };
  };
  let now = 0;
  /** An outbound message row named `id`; rows list in the order they were built. */
  const contact = (id: string) => ({
    id,
    channelId: "ch_1",
    contactId: "ct_1",
    direction: "out" as const,
    text: id,
    providerMessageId: null,
    effectKey: id,
    runId: "run_1",
    status: "sending",
    now: ++now,
  });
  const texts = async () => (await store.contacts.messages("ct_1")).map((m) => m.text);

  it("runs writes requested together in one transaction, in request order", async () => {
    const { calls, store: recorded } = recording();
    const writer = createRunWriter(recorded);
    const order: string[] = [];
    const results = await Promise.all(
      ["a", "b", "c"].map((id) =>
        writer.write(
          async (tx) => {
            order.push(id);
            await tx.contacts.addMessage(contact(id));
            return id;
          },
          { durable: false },
        ),
      ),
    );
    expect(results).toEqual(["a", "b", "c"]);
    expect(order).toEqual(["a", "b", "c"]);
    // Replayable progress may share the store's group commit with other runs' (PostgreSQL).
    expect(calls).toEqual([{ durable: false, group: true, single: false }]);
    expect(await texts()).toEqual(["a", "b", "c"]);
  });

  it("starts a write only once the one before it resolved, even when that one is slow to answer", async () => {
    const { store: recorded } = recording(50);
    const writer = createRunWriter(recorded);
    const events: string[] = [];
    let second: Promise<void> | undefined;
    const first = writer
      .write(async (tx) => {
        // Requested while the first runs: too late to join it, so a transaction of its own.
        second = writer.write(async (tx2) => {
          events.push("intent runs");
          await tx2.contacts.addMessage(contact("intent"));
        });
        await tx.contacts.addMessage(contact("progress"));
      })
      .then(() => events.push("progress resolved"));
    await first;
    await second;
    expect(events).toEqual(["progress resolved", "intent runs"]);
  });

  it("keeps a durable write out of a replayable group, and after it", async () => {
    const { calls, store: recorded } = recording(50);
    const writer = createRunWriter(recorded);
    const events: string[] = [];
    const persist = writer
      .write((tx) => tx.contacts.addMessage(contact("persist")), { durable: false })
      .then(() => events.push("persist resolved"));
    const intent = writer.write(async (tx) => {
      events.push("intent runs");
      await tx.contacts.addMessage(contact("intent"));
    });
    await Promise.all([persist, intent]);
    expect(calls).toEqual([
      { durable: false, group: true, single: false },
      { durable: true, group: false, single: false },
    ]);
    expect(events).toEqual(["persist resolved", "intent runs"]);
    expect(await texts()).toEqual(["persist", "intent"]);
  });

  it("runs a single-statement write alone, after the writes before it; nothing joins it", async () => {
    const { calls, store: recorded } = recording(20);
    const writer = createRunWriter(recorded);
    const order: string[] = [];
    const add = (id: string) => async (tx: Parameters<Parameters<typeof writer.write>[0]>[0]) => {
      order.push(id);
      await tx.contacts.addMessage(contact(id));
    };
    await Promise.all([
      writer.write(add("intent-a")),
      writer.write(add("intent-b"), { single: true }),
      writer.write(add("intent-c")),
      writer.write(add("intent-d")),
    ]);
    expect(order).toEqual(["intent-a", "intent-b", "intent-c", "intent-d"]);
    expect(calls).toEqual([
      { durable: true, group: false, single: false },
      { durable: true, group: false, single: true },
      { durable: true, group: false, single: false },
    ]);
    expect(await texts()).toEqual(["intent-a", "intent-b", "intent-c", "intent-d"]);
  });

  it("puts settles and the one-statement persist after them in one single write; anything else makes a group", async () => {
    const { calls, store: recorded } = recording();
    const writer = createRunWriter(recorded);
    const add = (id: string) => async (tx: Parameters<Parameters<typeof writer.write>[0]>[0]) => {
      await tx.contacts.addMessage(contact(id));
    };
    const settle = { durable: false, defersOnly: true } as const;
    // A send's settle, then (a few awaits later, as the engine gets there) the step's persist.
    const settled = writer.write(add("settle-1"), settle);
    const settledToo = writer.write(add("settle-2"), settle);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await Promise.all([
      settled,
      settledToo,
      writer.write(add("persist-1"), { durable: false, single: true }),
    ]);
    expect(calls).toEqual([{ durable: false, group: false, single: true }]);

    // A settle alone goes a turn later, as a group; so does one that a plain write joined.
    await writer.write(add("settle-3"), settle);
    await Promise.all([
      writer.write(add("settle-4"), settle),
      writer.write(add("persist-2"), { durable: false }),
    ]);
    // A single write after a plain one waits for it, alone.
    await Promise.all([
      writer.write(add("persist-3"), { durable: false }),
      writer.write(add("persist-4"), { durable: false, single: true }),
    ]);
    // A durable intent does not wait for a carrier that is not coming: the settle goes first.
    await Promise.all([writer.write(add("settle-5"), settle), writer.write(add("intent"))]);
    expect(calls.slice(1)).toEqual([
      { durable: false, group: true, single: false },
      { durable: false, group: true, single: false },
      { durable: false, group: true, single: false },
      { durable: false, group: false, single: true },
      { durable: false, group: true, single: false },
      { durable: true, group: false, single: false },
    ]);
    expect(await texts()).toEqual([
      "settle-1",
      "settle-2",
      "persist-1",
      "settle-3",
      "settle-4",
      "persist-2",
      "persist-3",
      "persist-4",
      "settle-5",
      "intent",
    ]);
  });

  it("rolls back a group whose write throws, rejects each of its writes, and every later write of the run", async () => {
    const writer = createRunWriter(store);
    const boom = new Error("boom");
    const failed = [
      writer.write((tx) => tx.contacts.addMessage(contact("rolled-back")), { durable: false }),
      writer.write(
        async () => {
          throw boom;
        },
        { durable: false },
      ),
    ].map((p) => p.catch((error: unknown) => error));
    // A later persist would commit the run's state over the lost one, without what only it held.
    const next = writer
      .write((tx) => tx.contacts.addMessage(contact("next")))
      .catch((error: unknown) => error);
    expect(await Promise.all(failed)).toEqual([boom, boom]);
    expect(await next).toBe(boom);
    await writer.idle();
    expect(await texts()).toEqual([]);
  });
});
