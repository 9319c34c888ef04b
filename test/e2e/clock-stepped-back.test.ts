import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * The server's clock stepped back while a question waited (NTP correcting a clock that ran fast,
 * a VM resumed from a snapshot): the answer carries a time before the question's. It is still the
 * answer, on both dialects; a message written before the question was sent still is not.
 */
describe("a clock stepped back while a question waits", () => {
  let stack: Stack;
  afterEach(async () => {
    await stack.close();
  });

  it("takes the customer's answer, stamped before the question, as the answer", async () => {
    let offsetMs = 0;
    const clock = { now: () => Date.now() + offsetMs };
    stack = await startStack({ clock });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915100000077", "Ada", clock.now);
    await customer.say("hi");
    await customer.waitForReplies(1);
    offsetMs -= 3_600_000;
    await customer.say("Ada Lovelace");
    const [, second] = await customer.waitForReplies(2, 15_000);
    expect(second?.text).toMatch(/company/i);
    await customer.say("Engines Ltd");
    await customer.waitForReplies(3, 15_000);
    expect(stack.sandbox.sf.records("Lead")).toEqual([
      expect.objectContaining({ LastName: "Ada Lovelace", Company: "Engines Ltd" }),
    ]);
  });
});
