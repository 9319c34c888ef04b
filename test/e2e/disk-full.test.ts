import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import type { SqliteDb } from "../../src/store/sqlite.js";
import { testDialect } from "../helpers/dialect.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A disk that fills up: SQLite refuses every commit that needs a new page (SQLITE_FULL) while it
 * still answers reads. `max_page_count` makes the real SQLite refuse exactly as a full disk does,
 * without filling this machine's disk. Webhooks must be refused with 503 (the provider sends them
 * again) and `/readyz` must say so, not "ready" because `SELECT 1` answers.
 */
describe.skipIf(testDialect !== "sqlite")(
  "an SQLite file that takes no more writes (a full disk, a read-only file)",
  () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(async () => {
      await stack.close();
    });

    const get = (route: string) => fetch(`${stack.tern.url}${route}`);

    it("refuses deliveries with 503, is not ready, and takes the redelivery once there is room", async () => {
      const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550004321", "Ada Full");
      expect((await customer.say("hi")).status).toBe(200);
      await customer.waitForReplies(1);
      expect((await get("/readyz")).status).toBe(200);

      const raw = (stack.tern.store.db as SqliteDb).raw;
      const free = Number(raw.pragma("freelist_count", { simple: true }));
      raw.pragma(`max_page_count = ${Number(raw.pragma("page_count", { simple: true }))}`);
      // Long answers, so that one needs more pages than the file has free.
      const long = (n: number) => `${n} ${"long answer ".repeat(300)}`;
      let refused: { status: number; id: string; text: string } | undefined;
      for (let n = 0; n < free + 20 && !refused; n++) {
        const text = long(n);
        const answer = await customer.say(text);
        if (answer.status !== 200) refused = { ...answer, text };
      }
      expect(refused?.status).toBe(503);
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "unavailable", reason: "writes_failing" });
      expect(await (await stack.http("GET", "/metrics")).text()).toMatch(/^tern_database_writes_failing 1$/m);
      // Reads still answer: the admin API shows the contact.
      expect((await stack.http("GET", "/api/v1/contacts")).status).toBe(200);

      // Room again: the provider's redelivery of the refused message is taken, and only once.
      raw.pragma("max_page_count = 1073741823");
      expect((await customer.say(refused!.text, refused!.id)).status).toBe(200);
      expect((await customer.say(refused!.text, refused!.id)).status).toBe(200);
      // Ready again once 10 s have passed since the last refused delivery.
      await eventually(async () => (await get("/readyz")).status === 200, 15_000, "ready again");
      expect(await (await stack.http("GET", "/metrics")).text()).toMatch(/^tern_database_writes_failing 0$/m);
      const [contact] = await stack.tern.store.contacts.list();
      await eventually(async () => {
        const pending = await stack.tern.store.inbox.nextPending(`${stack.setup.channelId}:15550004321`);
        return pending === undefined;
      });
      const texts = (await stack.tern.store.contacts.messages(contact!.id)).map((m) => m.text);
      expect(texts.filter((t) => t === refused!.text)).toHaveLength(1);
    });

    it("refuses deliveries with 503 while the file takes no writes, then takes them again", async () => {
      const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550004322", "Ada Readonly");
      const raw = (stack.tern.store.db as SqliteDb).raw;
      // As a file made read-only under the process: SQLite answers SQLITE_READONLY to every write.
      raw.pragma("query_only = 1");
      try {
        const refused = await customer.say("hi");
        expect(refused.status).toBe(503);
        const ready = await get("/readyz");
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ reason: "writes_failing" });
      } finally {
        raw.pragma("query_only = 0");
      }
      expect((await customer.say("hi")).status).toBe(200);
      await customer.waitForReplies(1);
      await eventually(async () => (await get("/readyz")).status === 200, 15_000, "ready again");
    });
  },
);
