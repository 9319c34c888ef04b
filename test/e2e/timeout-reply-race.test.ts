import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * An answer that came before the question's deadline is the answer, even when the worker gets to
 * it only after the deadline passed (every lane busy): on SQLite the timer's task fired the
 * timeout first while the reply waited pending, unlike PostgreSQL's turn (job-tasks.ts drainHeld).
 */
const quiz = {
  schema: "tern.flow/v1",
  name: "Quiz",
  trigger: { type: "message", channels: ["whatsapp"], keywords: ["quiz"] },
  steps: [
    {
      id: "q",
      type: "ask",
      text: "Name?",
      save: "name",
      expect: "text",
      timeout: "PT2S",
      next: "got",
      onTimeout: "late",
    },
    { id: "got", type: "send", text: "Got {{ vars.name }}" },
    { id: "late", type: "send", text: "Timed out" },
  ],
};

describe("a reply that came before the deadline", () => {
  let stack: Stack;
  let server: http.Server;
  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await stack.close();
  });

  it("answers the question although the worker took it after the deadline", async () => {
    // An API that answers only when the test says so: its call holds the only worker slot.
    let release = () => {};
    const called = new Promise<void>((calledResolve) => {
      server = http.createServer((_req, res) => {
        calledResolve();
        release = () => res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    stack = await startStack({
      flow: quiz,
      env: { TERN_WORKER_CONCURRENCY: "1", TERN_HTTP_ALLOW_PRIVATE: "true" },
    });
    const slow = {
      schema: "tern.flow/v1",
      name: "Slow",
      trigger: { type: "message", channels: ["whatsapp"], keywords: ["slow"] },
      steps: [
        {
          id: "call",
          type: "http",
          url: `http://127.0.0.1:${port}/`,
          timeout: "PT30S",
          retries: 0,
          next: "done",
        },
        { id: "done", type: "send", text: "Done" },
      ],
    };
    const created = (await (await stack.http("POST", "/api/v1/flows", slow)).json()) as { id: string };
    expect((await stack.http("POST", `/api/v1/flows/${created.id}/publish`, {})).status).toBe(200);

    const ada = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33611111111");
    const bob = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33622222222");
    await ada.say("quiz");
    await ada.waitForReplies(1);
    const asked = Date.now();
    await bob.say("slow");
    await called;
    expect((await ada.say("Ada")).status).toBe(200);
    expect(Date.now() - asked).toBeLessThan(1_500);
    // The deadline passes while the only slot is busy, with the answer stored before it.
    await new Promise((r) => setTimeout(r, 2_500 - (Date.now() - asked)));
    release();
    const replies = await ada.waitForReplies(2);
    expect(replies[1]?.text).toBe("Got Ada");
    await eventually(() => bob.received().length === 1);
    expect(ada.received()).toHaveLength(2);
  });
});
