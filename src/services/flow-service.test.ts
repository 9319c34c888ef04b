import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { InboundMessage } from "../channels/channel.js";
import { routeMessage } from "../queue/router.js";
import type { Store } from "../store/store.js";
import { createFlowService, MAX_CACHED_VERSIONS } from "./flow-service.js";

/**
 * Two flow services on one database stand for two processes (a `serve` and a `worker` on
 * PostgreSQL). Found by a multi-process audit: a flow deleted and imported again through one
 * process kept running its old definition on the others (same id, version 1 again), so the old
 * keyword started the old steps and the new one started nothing.
 */
const file = (keyword: string, text: string) => ({
  schema: "tern.flow/v1",
  name: `replies to ${keyword}`,
  trigger: { type: "message", channels: ["telegram"], keywords: [keyword] },
  start: "s",
  steps: [{ id: "s", type: "send", text }],
});
const saying = (text: string) => ({ content: { text } }) as unknown as InboundMessage;

describe("the flow cache across processes", () => {
  let store: Store;
  let now = 1_000;
  const clock = { now: () => now++ };
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  // SQLite has one process, whose own delete forgets the cached versions: no second one there.
  const processes: Array<[string, number]> = [
    ["in the deleting process", 1],
    ...(testDialect === "postgres" ? [["in another process", 2] as [string, number]] : []),
  ];
  it.each(processes)(
    "runs the flow imported again under a deleted flow's id, not the deleted one (%s)",
    async (_, count) => {
      const admin = createFlowService(store, clock);
      const worker = count === 2 ? createFlowService(store, clock) : admin;
      const publish = () => store.write(async (tx) => void (await tx.flows.publish("fx", 1, clock.now())));

      await admin.addVersion("fx", file("alpha", "old"));
      await publish();
      // The worker routes a message and so parses version 1.
      const first = await routeMessage(store, worker.load, "telegram", saying("alpha"));
      expect(first?.flow.name).toBe("replies to alpha");

      await admin.unpublish("fx");
      await admin.remove("fx");
      // A delete made before the id's last version was kept (deleted_flows, migration 18): the
      // flow imported again is at version 1 again, which the cache must tell from the old one.
      await store.db.run(store.db.q.deleteFrom("deleted_flows").where("id", "=", "fx"));
      expect((await admin.addVersion("fx", file("beta", "new"))).version).toBe(1);
      await publish();

      expect(await routeMessage(store, worker.load, "telegram", saying("alpha"))).toBeNull();
      const route = await routeMessage(store, worker.load, "telegram", saying("beta"));
      expect(route).toMatchObject({ flowId: "fx", version: 1 });
      expect(route?.flow.steps).toEqual([{ id: "s", type: "send", text: "new" }]);
      // A run of the new flow resumed on that worker (flow id and version only) gets the new steps too.
      expect((await worker.load("fx", 1)).name).toBe("replies to beta");
      // A run's state names its version's creation time (RunState.flowVersionCreatedAt): the new
      // one's gives the new steps, and a stale one never the old steps (the stored version wins).
      expect(route?.createdAt).toBeGreaterThan(first?.createdAt ?? Number.POSITIVE_INFINITY);
      expect((await worker.load("fx", 1, route?.createdAt)).name).toBe("replies to beta");
      expect((await worker.load("fx", 1, first?.createdAt)).name).toBe("replies to beta");
    },
  );
});

describe("the parsed-version cache", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("keeps the most recently used versions up to its bound (every saved draft is a version)", async () => {
    expect(MAX_CACHED_VERSIONS).toBeGreaterThanOrEqual(100);
    let now = 1_000;
    const flows = createFlowService(store, { now: () => now++ }, { maxCachedVersions: 5 });
    for (let v = 1; v <= 12; v++) await flows.addVersion("fv", file("alpha", `draft ${v}`));
    await store.write(async (tx) => void (await tx.flows.publish("fv", 1, now++)));
    for (let v = 1; v <= 12; v++) {
      // The published version is read per message, between the drafts being tried.
      await flows.load("fv", 1);
      expect((await flows.load("fv", v)).steps).toEqual([{ id: "s", type: "send", text: `draft ${v}` }]);
    }
    expect(flows.cachedVersions()).toBe(5);
    // Forgotten versions load again from the store, unchanged.
    expect((await flows.load("fv", 2)).steps).toEqual([{ id: "s", type: "send", text: "draft 2" }]);
  });
});
