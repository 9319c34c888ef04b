import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { eventually } from "../../test/helpers/in-process.js";
import { openTestStore, type TestStore } from "../../test/helpers/test-store.js";
import { getChannelDefinition } from "../channels/registry.js";
import { createConnectionAdmin } from "./connection-admin.js";
import { createIntegrationAdmin } from "./integration-admin.js";
import { createIntegrations } from "./integrations.js";

/**
 * Two processes on one database (PostgreSQL: a `serve` and a `worker`), each with its own cache
 * of resolved channels: a change made through one reaches the other's cache on its next look,
 * without a restart.
 */
let store: TestStore;
const clock = { now: () => Date.now() };
const log = { info() {}, warn() {} };
const stops: Array<() => void> = [];

beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await store.close();
});

const process = () => createIntegrations(store, { fetch: (i, o) => fetch(i, o), clock, log });
const whatsapp = (apiBaseUrl: string) => ({
  phoneNumberId: "1234567890",
  accessToken: "EAAG-access-token",
  appSecret: "app-secret-value",
  verifyToken: "verify-token-value",
  apiBaseUrl,
});

/** A channel created through one process, as `other` resolves it. */
const channelSeenBy = async (other: ReturnType<typeof process>) => {
  const admin = createIntegrationAdmin({
    store,
    integrations: process(),
    clock,
    kind: "channel",
    definition: getChannelDefinition,
    idPrefix: "ch",
  });
  const created = await admin.create({
    type: "whatsapp",
    name: "wa",
    config: whatsapp("http://127.0.0.1:1/old"),
  });
  const apiBase = async () => ((await other.channel(created.id)).config as { apiBaseUrl: string }).apiBaseUrl;
  expect(await apiBase()).toBe("http://127.0.0.1:1/old");
  return { admin, created, apiBase };
};

describe("integrations across processes", () => {
  it("a channel changed or deleted through one process is seen by another within its check interval", async () => {
    const worker = process();
    stops.push(worker.watchChanges(20));
    const { admin, created, apiBase } = await channelSeenBy(worker);

    await admin.update(created.id, { config: whatsapp("http://127.0.0.1:1/new") });
    await eventually(async () => (await apiBase()) === "http://127.0.0.1:1/new");

    await admin.remove(created.id);
    await eventually(async () =>
      worker.channel(created.id).then(
        () => false,
        (error: { code?: string }) => error.code === "CHANNEL_NOT_FOUND",
      ),
    );
  });

  it("a process that does not watch keeps its cache: the watch is what carries the change", async () => {
    const { admin, created, apiBase } = await channelSeenBy(process());
    await admin.update(created.id, { config: whatsapp("http://127.0.0.1:1/new") });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await apiBase()).toBe("http://127.0.0.1:1/old");
  });
});

describe.runIf(testDialect === "postgres")("a change's NOTIFY (PostgreSQL)", () => {
  // A look once a minute: only the NOTIFY can bring the change within the test's seconds.
  const EVERY_MINUTE = 60_000;

  it("reaches another process at once, without its next look", async () => {
    const worker = process();
    stops.push(worker.watchChanges(EVERY_MINUTE));
    const { admin, created, apiBase } = await channelSeenBy(worker);
    await admin.update(created.id, { config: whatsapp("http://127.0.0.1:1/new") });
    await eventually(async () => (await apiBase()) === "http://127.0.0.1:1/new", 3_000);
  });

  it("is listened for again after the listening connection was cut, and what changed meanwhile is seen", async () => {
    const worker = process();
    stops.push(worker.watchChanges(EVERY_MINUTE));
    const { admin, created, apiBase } = await channelSeenBy(worker);
    const listenerPids = async () =>
      (
        await store.db.all<{ pid: number }>({
          compile: () =>
            sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND query ILIKE 'LISTEN%'`.compile(store.db.q),
        })
      ).map((r) => r.pid);
    const [pid] = await eventually(async () => {
      const pids = await listenerPids();
      return pids.length === 1 ? pids : null;
    });
    await store.db.run({ compile: () => sql`SELECT pg_terminate_backend(${pid})`.compile(store.db.q) });
    // Changed while nobody listens: seen once the listener is back.
    await admin.update(created.id, { config: whatsapp("http://127.0.0.1:1/meanwhile") });
    await eventually(async () => (await apiBase()) === "http://127.0.0.1:1/meanwhile", 5_000);
    const [again] = await eventually(async () => {
      const pids = await listenerPids();
      return pids.length === 1 && pids[0] !== pid ? pids : null;
    });
    expect(again).not.toBe(pid);
    await admin.update(created.id, { config: whatsapp("http://127.0.0.1:1/after") });
    await eventually(async () => (await apiBase()) === "http://127.0.0.1:1/after", 3_000);
  });
});

describe("a change made through this process", () => {
  it("drops its cache once: its own look (and, on PostgreSQL, its own NOTIFY) keep what was loaded after it", async () => {
    // Dropped a second time, a connection's runtime (its describe cache, its token in memory) was
    // made again: the Salesforce bench counted a second Lead describe after the setup's changes.
    const integrations = process();
    stops.push(integrations.watchChanges(20));
    const admin = createConnectionAdmin({
      store,
      integrations,
      clock,
    });
    const created = await admin.create({
      type: "http",
      name: "crm",
      config: { auth: "bearer", baseUrl: "https://crm.example.com/api", token: "s3cret" },
    });
    await admin.update(created.id, { config: { token: "rotated" } });
    const loaded = (await integrations.connection("crm")).runtime;
    // Several looks (every 20 ms) and the NOTIFY of the change have come and gone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await integrations.connection("crm")).runtime).toBe(loaded);
  });
});
