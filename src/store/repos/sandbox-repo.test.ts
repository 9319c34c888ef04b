import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { RunState } from "../../flows/runtime.js";
import type { Owner } from "../database.js";
import type { Repos, Store } from "../store.js";

describe("sandbox-owned rows", () => {
  let store: Store;

  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const integration = (id: string, name: string, owner: Owner) => ({
    id,
    type: id.startsWith("conn") ? "salesforce" : "whatsapp",
    name,
    config: { url: "http://127.0.0.1:1", secret: "s3cret" },
    owner,
    createdAt: 1,
    updatedAt: 1,
  });
  const waitingRun = (tx: Repos, id: string, flowId: string, channelId: string) => {
    const state = {
      runId: id,
      flowId,
      flowVersion: 1,
      status: "waiting",
      cursor: { stepId: "ask_name", visit: 1 },
      visits: 1,
      vars: {},
      steps: {},
      wait: { stepId: "ask_name", visit: 1, for: "reply", timeoutAt: 99 },
      error: null,
    } as unknown as RunState;
    return tx.runs.insert({
      id,
      flowId,
      flowVersion: 1,
      channelId,
      contactId: "ct_1",
      conversationKey: `${channelId}:1555`,
      status: "waiting",
      state,
      timeoutAt: 99,
      createdAt: 1,
    });
  };

  const seed = () =>
    store.write(async (tx) => {
      await tx.connections.insert(integration("conn_sb", "salesforce", "sandbox"), ["secret"]);
      await tx.channels.insert(integration("ch_sb", "WhatsApp sandbox", "sandbox"), ["secret"]);
      await tx.connections.insert(integration("conn_user", "my-org", "user"), ["secret"]);
      await tx.channels.insert(integration("ch_user", "whatsapp", "user"), ["secret"]);
      await tx.flows.create("flow_sb", "Lead", {}, 1, "sandbox");
      await tx.flows.publish("flow_sb", 1, 1);
      await tx.flows.create("flow_user", "Mine", {}, 1);
      await tx.flows.publish("flow_user", 1, 1);
      await waitingRun(tx, "run_sb", "flow_sb", "ch_sb");
      await waitingRun(tx, "run_user", "flow_user", "ch_user");
      await tx.inbox.ingest(
        "ch_sb",
        [
          {
            kind: "message",
            providerMessageId: "wamid.1",
            from: "1555",
            timestamp: 1,
            content: { type: "text", text: "Hi" },
          },
        ],
        1,
      );
    });

  it("retires only what the sandbox owns: its integrations and tokens deleted, its flow a draft, its runs ended, its pending messages closed", async () => {
    await seed();
    await store.tokens.set("conn_sb", { accessToken: "a", instanceUrl: "http://127.0.0.1:1", issuedAt: 1 });
    expect(await store.sandbox.owned()).toEqual({
      connectionIds: ["conn_sb"],
      channelIds: ["ch_sb"],
      flowIds: ["flow_sb"],
    });

    const retired = await store.write((tx) => tx.sandbox.retire(5));
    expect(retired.endedRuns).toBe(1);
    expect((await store.connections.list()).map((c) => c.id)).toEqual(["conn_user"]);
    expect((await store.channels.list()).map((c) => c.id)).toEqual(["ch_user"]);
    expect(await store.tokens.get("conn_sb")).toBeNull();
    expect(await store.flows.get("flow_sb")).toMatchObject({ owner: "sandbox", publishedVersion: null });
    expect(await store.flows.get("flow_user")).toMatchObject({ owner: "user", publishedVersion: 1 });
    const ended = (await store.runs.get("run_sb"))!;
    expect(ended).toMatchObject({ status: "ended", timeoutAt: null });
    expect(ended.state).toMatchObject({ status: "ended", wait: null });
    expect(await store.runs.get("run_user")).toMatchObject({ status: "waiting", timeoutAt: 99 });
    expect(await store.inbox.pendingConversations()).toEqual([]);
    expect(await store.sandbox.owned()).toEqual({ connectionIds: [], channelIds: [], flowIds: ["flow_sb"] });
    expect(await store.sandbox.hasUserIntegrations()).toBe(true);
  });

  it("retiring with nothing owned changes nothing", async () => {
    expect(await store.sandbox.hasUserIntegrations()).toBe(false);
    expect(await store.write((tx) => tx.sandbox.retire(5))).toEqual({
      connectionIds: [],
      channelIds: [],
      flowIds: [],
      endedRuns: 0,
    });
  });
});
