import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";

describe("connection health", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
    await store.write((tx) =>
      tx.connections.insert(
        {
          id: "conn_1",
          type: "salesforce",
          name: "salesforce",
          config: { clientSecret: "s3cret" },
          owner: "user",
          createdAt: 1,
          updatedAt: 1,
        },
        ["clientSecret"],
      ),
    );
  });
  afterEach(async () => {
    await store.close();
  });

  const paused = { state: "paused" as const, code: "X", reason: "why", pausedUntil: 2_000, since: 1_000 };

  it("is ok until a connector reports otherwise, and back to ok when it says so", async () => {
    expect(await store.connectionHealth.get("conn_1")).toEqual({
      state: "ok",
      code: null,
      reason: null,
      pausedUntil: null,
      since: null,
    });
    await store.connectionHealth.set("conn_1", paused);
    expect(await store.connectionHealth.get("conn_1")).toEqual(paused);
    await store.connectionHealth.set("conn_1", { ...paused, state: "reconnect_required", pausedUntil: null });
    expect(await store.connectionHealth.get("conn_1")).toMatchObject({
      state: "reconnect_required",
      pausedUntil: null,
    });
    await store.connectionHealth.set("conn_1", {
      state: "ok",
      code: null,
      reason: null,
      pausedUntil: null,
      since: null,
    });
    expect((await store.connectionHealth.get("conn_1")).state).toBe("ok");
  });

  it("ignores a report about a connection deleted meanwhile, and goes with its connection", async () => {
    await store.connectionHealth.set("conn_gone", paused);
    expect((await store.connectionHealth.get("conn_gone")).state).toBe("ok");
    await store.connectionHealth.set("conn_1", paused);
    await store.write((tx) => tx.connections.remove("conn_1"));
    expect((await store.connectionHealth.get("conn_1")).state).toBe("ok");
  });

  it("is cleared with the connection's credentials", async () => {
    await store.connectionHealth.set("conn_1", paused);
    await store.write((tx) => tx.connectionHealth.clear("conn_1"));
    expect((await store.connectionHealth.get("conn_1")).state).toBe("ok");
  });
});
