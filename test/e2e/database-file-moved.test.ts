import { renameSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { testDialect } from "../helpers/dialect.js";
import { eventually, runsWaiting, type Stack, startStack } from "../helpers/in-process.js";

/**
 * The SQLite file deleted, moved or replaced under a running Tern (`rm -rf` of the data
 * directory, a restore that moved another file over it, a volume swapped). SQLite keeps writing
 * to the file it has open, which has no name any more: Tern acknowledged webhooks with 200 into
 * it and `/readyz` said "ready", and all of it was gone at the next start. Deliveries must be
 * refused (503, so the provider keeps them) and readiness must say the database is not there.
 */
describe.skipIf(testDialect !== "sqlite")("the SQLite file moved away while Tern runs", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it("refuses deliveries with 503 and is not ready until the file is back, then takes the redelivery", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550006543", "Ada Moved");
    expect((await customer.say("hi")).status).toBe(200);
    await customer.waitForReplies(1);
    // The question reached the simulator before its send was recorded and the run's wait stored;
    // moved before those commit, the send's outcome is unknown to Tern and waits for its retry
    // (15 s), past this test's wait for the answer's reply.
    await runsWaiting(stack.api);
    const get = (route: string) => fetch(`${stack.tern.url}${route}`);
    expect((await get("/readyz")).status).toBe(200);

    const file = path.join(stack.tern.dataDir.root, "tern.db");
    const aside = `${file}.moved`;
    renameSync(file, aside);
    let refused: { status: number; id: string };
    try {
      refused = await customer.say("Ada Lovelace");
      expect(refused.status).toBe(503);
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "unavailable" });
      // The alert on tern_database_up fires too, not only /readyz.
      expect(await (await stack.http("GET", "/metrics")).text()).toMatch(/^tern_database_up 0$/m);
    } finally {
      renameSync(aside, file);
    }
    // Back in place: ready again, and the provider's redelivery is taken once and answered.
    await eventually(async () => (await get("/readyz")).status === 200, 15_000, "ready again");
    expect((await customer.say("Ada Lovelace", refused.id)).status).toBe(200);
    await customer.waitForReplies(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(customer.received()).toHaveLength(2);
  });
});
