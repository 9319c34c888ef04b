import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertTestRun } from "../../../test/helpers/test-runs.js";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";

/** `beginFresh`: the intent in one statement, only for a new key of an active run. */
describe("effect repository: beginFresh", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const insertRun = (id: string, status: "running" | "waiting") =>
    insertTestRun(store, id, { status, conversationKey: `ch_1:${id}` });

  it("records the intent of a new key of a running or waiting run, as begin() would", async () => {
    await insertRun("run_1", "running");
    await insertRun("run_2", "waiting");
    const now = 1_764_000_000_123; // past 2^31: a bigint column on PostgreSQL
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", now))).toBe(true);
    expect(await store.write((tx) => tx.effects.beginFresh("run_2:1:0", "sf.create", "run_2", now))).toBe(
      true,
    );
    await store.write((tx) => tx.effects.begin("run_1:2:0", "send", now));
    const viaBegin = await store.effects.get("run_1:2:0");
    expect(await store.effects.get("run_1:1:0")).toEqual({ ...viaBegin, key: "run_1:1:0" });
    expect(await store.effects.get("run_2:1:0")).toMatchObject({
      kind: "sf.create",
      status: "in_flight",
      attempts: 1,
      intentAt: now,
    });
  });

  it("writes nothing for a key that exists, whatever its status, and leaves that record as it was", async () => {
    await insertRun("run_1", "running");
    await store.write((tx) => tx.effects.begin("run_1:1:0", "send", 5));
    await store.write((tx) => tx.effects.finish("run_1:1:0", { providerMessageId: "wamid.1" }, 6));
    await store.write((tx) => tx.effects.begin("run_1:2:0", "send", 7));
    const before = [await store.effects.get("run_1:1:0"), await store.effects.get("run_1:2:0")];
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", 9))).toBe(false);
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:2:0", "send", "run_1", 9))).toBe(false);
    expect([await store.effects.get("run_1:1:0"), await store.effects.get("run_1:2:0")]).toEqual(before);
  });

  it("writes nothing for a run that was ended, failed, or never existed", async () => {
    await insertRun("run_1", "running");
    await store.write((tx) => tx.runs.end("run_1", 2));
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", 3))).toBe(false);
    expect(await store.write((tx) => tx.effects.beginFresh("run_9:1:0", "send", "run_9", 3))).toBe(false);
    expect(await store.effects.get("run_1:1:0")).toBeUndefined();
    expect(await store.effects.get("run_9:1:0")).toBeUndefined();
  });

  it("a send's fresh intent adds its message row with it, only while the contact has not opted out (STOP)", async () => {
    await insertRun("run_1", "running");
    const row = {
      channelId: "ch_1",
      contactId: "ct_1",
      direction: "out" as const,
      text: "Hello",
      providerMessageId: null,
      status: "sending",
      fallback: { channel: "sms", until: 99, conversationKey: "ch_1:1555" },
    };
    const now = 1_764_000_000_123;
    await store.write((tx) => tx.triggers.optOut("ct_1", "STOP", 2));
    await store.write((tx) => tx.triggers.optOut("ct_2", "STOP", 2)); // another person's says nothing
    const send = (key: string, at = now) =>
      store.write((tx) => tx.effects.beginFreshSend(key, "run_1", at, row), { single: true });
    expect(await send("run_1:1:0")).toBe(false);
    expect(await store.effects.get("run_1:1:0")).toBeUndefined();
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toBeUndefined();
    // Not a send (a call): the opt-out does not apply.
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:2:0", "sf.create", "run_1", 3))).toBe(true);

    await store.write((tx) => tx.triggers.optIn("ct_1"));
    expect(await send("run_1:1:0")).toBe(true);
    expect(await store.effects.get("run_1:1:0")).toMatchObject({
      kind: "send",
      status: "in_flight",
      intentAt: now,
    });
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toMatchObject({
      channelId: "ch_1",
      contactId: "ct_1",
      direction: "out",
      text: "Hello",
      status: "sending",
      providerMessageId: null,
      runId: "run_1",
      createdAt: now,
    });
    const stored = await store.db.get(
      store.db.q.selectFrom("messages").select("fallback_json").where("effect_key", "=", "run_1:1:0"),
    );
    expect(JSON.parse(stored?.fallback_json ?? "null")).toEqual(row.fallback);
    // Again (a replay): nothing written, the first row kept.
    expect(await send("run_1:1:0", now + 5)).toBe(false);
    expect(await store.contacts.messages("ct_1")).toHaveLength(1);
    // An ended run: nothing.
    await store.write((tx) => tx.runs.end("run_1", 4));
    expect(await send("run_1:3:0")).toBe(false);
    expect(await store.contacts.messageByEffectKey("run_1:3:0")).toBeUndefined();
  });
});

/** `finishSend`: a send's effect done and its outbound message row settled, in one statement on PostgreSQL. */
describe("effect repository: finishSend", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const outbound = (key: string, status: string, providerMessageId: string | null = null) =>
    store.write(async (tx) => {
      await tx.effects.begin(key, "send", 1);
      await tx.contacts.addMessage({
        channelId: "ch_1",
        contactId: "ct_1",
        direction: "out",
        text: `text of ${key}`,
        providerMessageId,
        effectKey: key,
        runId: null,
        status,
        now: 1,
      });
    });

  it("marks the effect done with its result and the message sent with the provider's id, or unknown", async () => {
    await outbound("run_1:1:0", "sending");
    await outbound("run_1:2:0", "pending");
    await outbound("run_1:3:0", "sending");
    await store.write((tx) =>
      tx.effects.finishSend("run_1:1:0", { providerMessageId: "wamid.A" }, 1_764_000_000_123),
    );
    await store.write((tx) => tx.effects.finishSend("run_1:2:0", { providerMessageId: "wamid.B" }, 7));
    await store.write((tx) =>
      tx.effects.finishSend("run_1:3:0", { providerMessageId: "", outcome: "unknown" }, 8),
    );
    expect(await store.effects.get("run_1:1:0")).toMatchObject({
      status: "done",
      result: { providerMessageId: "wamid.A" },
    });
    expect(await store.effects.get("run_1:3:0")).toMatchObject({
      status: "done",
      result: { providerMessageId: "", outcome: "unknown" },
    });
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.A",
    });
    expect(await store.contacts.messageByEffectKey("run_1:2:0")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.B",
    });
    expect(await store.contacts.messageByEffectKey("run_1:3:0")).toMatchObject({
      status: "unknown",
      providerMessageId: null,
    });
  });

  it("leaves a message whose status webhook came first as that status said, and still settles the effect", async () => {
    await outbound("run_1:1:0", "delivered", "wamid.A");
    await store.write((tx) => tx.effects.finishSend("run_1:1:0", { providerMessageId: "wamid.other" }, 9));
    expect(await store.effects.get("run_1:1:0")).toMatchObject({ status: "done" });
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toMatchObject({
      status: "delivered",
      providerMessageId: "wamid.A",
    });
  });
});

/** `fail`: an effect that did not happen; a send's outbound row says so instead of `sending`. */
describe("effect repository: fail", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const message = (key: string, direction: "in" | "out", status: string) =>
    store.write((tx) =>
      tx.contacts.addMessage({
        channelId: "ch_1",
        contactId: "ct_1",
        direction,
        text: `text of ${key}`,
        providerMessageId: null,
        effectKey: key,
        runId: null,
        status,
        now: 1,
      }),
    );
  const errorOf = async (key: string) => {
    const row = await store.db.get(
      store.db.q.selectFrom("messages").select("error_json").where("effect_key", "=", key),
    );
    return JSON.parse(row?.error_json ?? "null");
  };

  it("marks the effect failed and its sending message failed, with the error as a provider's failed status has it", async () => {
    await store.write((tx) => tx.effects.begin("run_1:1:0", "send", 1));
    await message("run_1:1:0", "out", "sending");
    const error = { code: "CHANNEL_SEND_FAILED", message: "Viber: receiver is not subscribed (status 6)" };
    await store.write((tx) => tx.effects.fail("run_1:1:0", error, 1_764_000_000_123));
    expect(await store.effects.get("run_1:1:0")).toMatchObject({ status: "failed", error });
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toMatchObject({ status: "failed" });
    expect(await errorOf("run_1:1:0")).toEqual([{ code: error.code, title: error.message }]);
  });

  it("leaves a message a status webhook already settled, an inbound message, and a call's failure without a message", async () => {
    await store.write((tx) => tx.effects.begin("run_1:1:0", "send", 1));
    await message("run_1:1:0", "out", "delivered");
    await message("run_1:2:0", "in", "received");
    await store.write((tx) => tx.effects.begin("run_1:3:0", "sf.create", 1));
    const error = { code: "X", message: "no" };
    for (const key of ["run_1:1:0", "run_1:2:0", "run_1:3:0"]) {
      await store.write((tx) => tx.effects.fail(key, error, 5));
    }
    expect(await store.contacts.messageByEffectKey("run_1:1:0")).toMatchObject({ status: "delivered" });
    expect(await store.contacts.messageByEffectKey("run_1:2:0")).toMatchObject({ status: "received" });
    expect(await errorOf("run_1:1:0")).toBeNull();
    expect(await store.effects.get("run_1:3:0")).toMatchObject({ status: "failed", error });
  });
});
