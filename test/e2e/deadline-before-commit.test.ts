import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import type { Store } from "../../src/store/store.js";
import { type Stack, startStack } from "../helpers/in-process.js";

const flow = {
  schema: "tern.flow/v1",
  name: "Short question",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    {
      id: "ask",
      type: "ask",
      text: "Your email?",
      save: "email",
      timeout: "PT0.2S",
      next: "thanks",
      onTimeout: "bye",
    },
    { id: "thanks", type: "send", text: "Thanks." },
    { id: "bye", type: "send", text: "No answer. Bye!" },
  ],
};

/** Run progress (`durable: false`) commits this much later, as on a slow disk or a busy pool. */
const slowProgress = (store: Store, delayMs: number): void => {
  const write = store.write;
  store.write = (async (fn, options) => {
    if (options?.durable === false) await new Promise((r) => setTimeout(r, delayMs));
    return write(fn, options);
  }) as Store["write"];
};

/**
 * A wait's deadline arms the process's timer. Armed when the wait's write was requested, the
 * timer could fire before it committed, find no deadline, and sleep its longest (60 s; the next
 * 5 s deadline look on PostgreSQL): a reminder or timeout shorter than a commit's latency fired
 * that much late (seen with a 0.5 s reminder when progress writes were slowed).
 */
describe("a deadline that passes before its wait's write commits", () => {
  let stack: Stack;
  afterEach(async () => {
    await stack.close();
  });

  it("fires once the write has committed, not at the timer's next look", async () => {
    stack = await startStack({ flow });
    slowProgress(stack.tern.store, 400);
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33612340001");
    await customer.say("hello");
    const [question] = await customer.waitForReplies(1);
    expect(question?.text).toBe("Your email?");
    // Correct: within a second of the question (its commits); the rest is slack for a loaded machine.
    const replies = await customer.waitForReplies(2, 4_000);
    expect(replies[1]?.text).toBe("No answer. Bye!");
  });
});
