import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowStack, keywordFlow, startFlowStack } from "../helpers/flow-stack.js";
import { eventually } from "../helpers/in-process.js";

/**
 * A question is answered only by what the contact writes after it was sent. A message written
 * while a slow step ran (or a second tap on an earlier button) was taken as the answer to the
 * next question, which the contact had not seen yet: the name became "what is this about?".
 */

/** An API that answers each request only when the test lets it (the slow step, held open). */
function heldApi() {
  const waiting: Array<() => void> = [];
  let arrived = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    arrived += 1;
    waiting.push(() => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  });
  return {
    server,
    arrived: () => arrived,
    release: () => {
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

describe("a question takes only answers written after it was asked", () => {
  const api = heldApi();
  let flows: FlowStack;
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((r) => api.server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/slow`;
    const slow = { id: "slow", type: "http", method: "POST", url, timeout: "PT30S", retries: 0 };
    flows = await startFlowStack(
      [
        keywordFlow("busy", [
          { id: "hi", type: "send", text: "One moment, looking you up", next: "slow" },
          { ...slow, next: "ask_name" },
          { id: "ask_name", type: "ask", text: "What is your name?", save: "name", next: "ask_age" },
          { id: "ask_age", type: "ask", text: "Your age?", expect: "number", save: "age", next: "done" },
          { id: "done", type: "send", text: "name={{ vars.name }} age={{ vars.age }}" },
        ]),
        keywordFlow("taps", [
          {
            id: "has_account",
            type: "menu",
            text: "Do you already have an account?",
            choices: [
              { id: "yes", title: "Yes" },
              { id: "no", title: "No" },
            ],
            save: "account",
            next: "slow2",
          },
          { ...slow, id: "slow2", next: "delete_data" },
          {
            id: "delete_data",
            type: "menu",
            text: "Shall we delete your data?",
            choices: [
              { id: "yes", title: "Yes" },
              { id: "no", title: "No" },
            ],
            save: "erase",
            next: "done",
          },
          { id: "done", type: "send", text: "account={{ vars.account }} erase={{ vars.erase }}" },
        ]),
      ],
      { env: { TERN_HTTP_ALLOW: "127.0.0.1" } },
    );
  });
  afterAll(async () => {
    api.release();
    await flows?.close();
    await new Promise((r) => api.server.close(r));
  });

  const settled = async () => {
    await flows.stack.tern.worker.idle();
    return (await flows.stack.tern.store.inbox.backlog()) === 0;
  };

  it("keeps a message written during a slow step out of the next question's answer", async () => {
    const customer = flows.customer("33677770001");
    const before = api.arrived();
    await customer.say("busy");
    await customer.replies(1);
    await eventually(() => api.arrived() === before + 1);
    // Stored while the step waits on the API: before "What is your name?" exists.
    await customer.say("what is this about?");
    api.release();
    const [, question] = await customer.replies(2);
    expect(question?.text).toBe("What is your name?");
    await eventually(settled);
    expect(customer.received()).toHaveLength(2);
    const [run] = await customer.runs();
    expect(run?.status).toBe("waiting");
    expect(run?.state.cursor?.stepId).toBe("ask_name");

    await customer.say("Ada");
    expect((await customer.replies(3))[2]?.text).toBe("Your age?");
    await customer.say("36");
    expect((await customer.replies(4))[3]?.text).toBe("name=Ada age=36");
  });

  it("does not take a second tap on an earlier button as the answer to the next question with that button", async () => {
    const customer = flows.customer("33677770002");
    await customer.say("taps");
    await customer.replies(1);
    const before = api.arrived();
    await customer.say("Yes", { id: "yes", title: "Yes" });
    await eventually(() => api.arrived() === before + 1);
    // The double tap: the same button again, while the flow is busy before the next question.
    await customer.say("Yes", { id: "yes", title: "Yes" });
    api.release();
    const [, question] = await customer.replies(2);
    expect(question?.text).toBe("Shall we delete your data?");
    await eventually(settled);
    expect(customer.received()).toHaveLength(2);

    await customer.say("No", { id: "no", title: "No" });
    expect((await customer.replies(3))[2]?.text).toBe("account=yes erase=no");
  });
});
