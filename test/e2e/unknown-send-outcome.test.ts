import { afterEach, describe, expect, it } from "vitest";
import { type FetchLike, requestOutcome } from "../../src/core/fetch.js";
import { createHttpFetch } from "../../src/core/http-fetch.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A send whose request may have reached the provider (the connection was cut after it was
 * written) is reconciled through the status webhook that echoes its effect key before it is
 * ever sent again; one that certainly never left (connection refused) is retried at once.
 * Tern runs in this process against the WhatsApp simulator, whose fault controls play the
 * provider; Tern's own outbound client is wrapped only to record the failures it saw.
 */
interface Harness extends Stack {
  /** Every rejection of Tern's outbound client, in order. */
  failures: unknown[];
}

async function startHarness(reconcileMs: number): Promise<Harness> {
  const failures: unknown[] = [];
  const client = createHttpFetch();
  const fetch: FetchLike = (input, init) =>
    client(input, init).catch((error: unknown) => {
      failures.push(error);
      throw error;
    });
  const stack = await startStack({ env: { TERN_SEND_RECONCILE_MS: String(reconcileMs) }, fetch });
  // Like Meta, the simulator posts signed delivery statuses to the channel's webhook.
  stack.sandbox.wa.deliverStatusesTo(stack.setup.webhookUrl);
  return { ...stack, failures };
}

const GREETING = "Hi! Thanks for getting in touch. What's your name?";

describe("a send whose outcome is unknown", () => {
  let h: Harness | undefined;
  /** The conversation goes on: the next answer gets its reply, and every message arrived once. */
  async function answersOnceEach(customer: ReturnType<typeof createCustomer>): Promise<void> {
    await customer.say("Grace Hopper");
    await customer.waitForReplies(2);
    await h?.tern.worker.idle();
    expect(customer.received().map((m) => m.text)).toEqual([
      GREETING,
      "Thanks Grace Hopper! Which company are you with?",
    ]);
  }
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a provider that accepts the message and drops the connection: the customer gets it once, the flow continues, the row gets the provider id from the status webhook", async () => {
    h = await startHarness(10_000);
    const wa = h.sandbox.wa;
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "4915100000001");
    wa.dropNext(1, { afterAccept: true });

    await customer.say("hi");
    const [accepted] = await customer.waitForReplies(1);
    const run = await eventually(async () => (await h?.tern.store.runs.list({}))?.[0], 5_000, "the run");
    // The status webhook for the accepted message settles the send; the flow then waits for the name.
    const greeting = await eventually(
      async () =>
        (await h?.tern.store.contacts.messagesOfRun(run.id))?.find(
          (m) => m.direction === "out" && m.providerMessageId,
        ),
      5_000,
      "the greeting's provider id",
    );
    expect(greeting.providerMessageId).toBe(accepted?.wamid);
    expect(wa.dropped).toEqual([expect.objectContaining({ isAccepted: true })]);
    expect(h.failures.map(requestOutcome)).toEqual(["unknown"]);

    await answersOnceEach(customer);
    const state = await h.tern.store.runs.get(run.id);
    expect(state?.status).toBe("waiting");
  });

  it("a provider that accepts the message with an answer that has no message id: reconciled through the status webhook, not failed (and so never sent again by a fallback)", async () => {
    const client = createHttpFetch();
    let garbled = 0;
    // The request reaches the provider (the simulator takes the message and will post its
    // statuses); only its answer is replaced by a 200 without the message id.
    const fetch: FetchLike = async (input, init) => {
      const answer = await client(input, init);
      if (garbled === 0 && String(input).endsWith("/messages")) {
        garbled += 1;
        return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
      }
      return answer;
    };
    const stack = await startStack({ env: { TERN_SEND_RECONCILE_MS: "10000" }, fetch });
    h = { ...stack, failures: [] };
    stack.sandbox.wa.deliverStatusesTo(stack.setup.webhookUrl);
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915100000009");
    await customer.say("hi");
    const [accepted] = await customer.waitForReplies(1);
    const run = await eventually(async () => (await stack.tern.store.runs.list({}))[0], 5_000, "the run");
    const greeting = await eventually(
      async () =>
        (await stack.tern.store.contacts.messagesOfRun(run.id)).find(
          (m) => m.direction === "out" && m.providerMessageId,
        ),
      5_000,
      "the greeting's provider id",
    );
    expect(garbled).toBe(1);
    expect(greeting).toMatchObject({ providerMessageId: accepted?.wamid, errors: null });
    await answersOnceEach(customer);
  });

  it("a provider that drops the connection without accepting: the message is sent again after the reconcile window, exactly once in the end", async () => {
    const reconcileMs = 600;
    h = await startHarness(reconcileMs);
    const wa = h.sandbox.wa;
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "4915100000002");
    wa.dropNext(1);

    await customer.say("hi");
    const [sent] = await customer.waitForReplies(1);
    const [drop] = wa.dropped;
    expect(drop).toMatchObject({ isAccepted: false });
    // Sent again only after waiting the whole window for a status that never came.
    expect(sent!.receivedAt - drop!.at).toBeGreaterThanOrEqual(reconcileMs - 20);
    expect(h.failures.map(requestOutcome)).toEqual(["unknown"]);

    await answersOnceEach(customer);
    const run = (await h.tern.store.runs.list({}))[0]!;
    const [greeting] = (await h.tern.store.contacts.messagesOfRun(run.id)).filter(
      (m) => m.direction === "out",
    );
    expect(greeting?.providerMessageId).toBe(sent?.wamid);
  });

  it("a connection refused is retried at once, without waiting for the reconcile window", async () => {
    // A minute-long window: had the refusal been taken for an unknown outcome, the reply would
    // come far later than this test waits.
    h = await startHarness(60_000);
    const wa = h.sandbox.wa;
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "4915100000003");
    await wa.refuseConnections();

    await customer.say("hi");
    await eventually(() => h && h.failures.length > 0, 5_000, "a refused send");
    await wa.acceptConnections();
    await customer.waitForReplies(1, 5_000);
    await h.tern.worker.idle();

    expect(h.failures.length).toBeGreaterThanOrEqual(1);
    expect(h.failures.map(requestOutcome).every((o) => o === "not_sent")).toBe(true);
    expect((h.failures[0] as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(customer.received().map((m) => m.text)).toEqual([GREETING]);
  });
});
