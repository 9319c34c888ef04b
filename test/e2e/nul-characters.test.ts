import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { testDialect } from "../helpers/dialect.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A customer can send U+0000 (JSON allows "\u0000" in a string). SQLite stores it; PostgreSQL's
 * text cannot, and refusing it after the webhook was acknowledged would lose the message. On
 * PostgreSQL a text column gets U+FFFD in its place; the conversation goes on either way.
 */
describe("a NUL character in what a customer sends", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const stored = (text: string) => (testDialect === "postgres" ? text.replaceAll("\u0000", "\uFFFD") : text);

  it("is answered like any message, in the name and the text, and the Lead carries them", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550009999", "Nul\u0000Name");
    expect((await customer.say("hi\u0000")).status).toBe(200);
    await customer.waitForReplies(1);
    await customer.say("Ada\u0000Lovelace");
    await customer.waitForReplies(2);
    await customer.say("Analytical\u0000Engines");
    const replies = await customer.waitForReplies(3);
    expect(replies[2]!.text).toContain("Your reference is");

    const [lead] = stack.sandbox.sf.records("Lead");
    // The answers travel in the run's state (JSON, where U+0000 is an escape): unchanged.
    expect(lead).toMatchObject({ LastName: "Ada\u0000Lovelace", Company: "Analytical\u0000Engines" });
    const [contact] = await stack.tern.store.contacts.list();
    expect(contact!.name).toBe(stored("Nul\u0000Name"));
    const texts = (await stack.tern.store.contacts.messages(contact!.id)).map((m) => m.text);
    expect(texts).toContain(stored("hi\u0000"));
    expect(await stack.tern.store.inbox.nextPending(`${stack.setup.channelId}:15550009999`)).toBeUndefined();
    expect(await stack.tern.store.rejectedEvents.list(stack.setup.channelId, 10)).toEqual([]);
  });

  /**
   * A customer answers the name question with `answer`, saved in the run's state; that run is
   * listed by its step and ended through the API. PostgreSQL read the state as jsonb, which
   * refuses the escapes \u0000 and a lone \ud800: 500 for the whole list, and no end.
   */
  const listsAndEnds = async (from: string, name: string, answer: string) => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from, name);
    await customer.say("hi");
    await customer.waitForReplies(1);
    await customer.say(answer);
    await customer.waitForReplies(2);
    const run = await eventually(async () => {
      const listed = await stack.http("GET", "/api/v1/runs?stepId=ask_company&status=waiting");
      expect(listed.status, await listed.clone().text()).toBe(200);
      return ((await listed.json()) as { items: Array<{ id: string }> }).items[0];
    });
    const ended = await stack.http("POST", `/api/v1/runs/${run.id}/end`);
    expect(ended.status, await ended.clone().text()).toBe(200);
    expect(((await ended.json()) as { status: string }).status).toBe("ended");
  };

  it("a run with one in its state is listed by step and can be ended through the API (found by an outside audit)", async () => {
    await listsAndEnds("15550009998", "Nul Answer", "Ada\u0000Lovelace");
  });

  it("a run whose state holds a lone surrogate is listed by step and can be ended", async () => {
    // JSON.stringify writes half of a surrogate pair as the escape \ud800, which jsonb refuses too.
    await listsAndEnds("15550009997", "Lone Surrogate", "Ada\ud800");
  });
});
