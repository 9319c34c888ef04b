import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

describe("a WhatsApp conversation becomes a Salesforce Lead", () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it("creates exactly one Lead with the exact fields and confirms its id to the customer", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551181", "Ada");
    expect((await customer.say("Hi there")).status).toBe(200);
    await customer.waitForReplies(1);
    expect((await customer.say("Ada Lovelace")).status).toBe(200);
    await customer.waitForReplies(2);
    expect((await customer.say("Analytical Engines Ltd")).status).toBe(200);
    const replies = await customer.waitForReplies(3);

    const leads = stack.sandbox.sf.records("Lead");
    expect(leads).toHaveLength(1);
    const lead = leads[0]!;
    expect(lead.LastName).toBe("Ada Lovelace");
    expect(lead.Company).toBe("Analytical Engines Ltd");
    expect(lead.Phone).toBe("+16315551181");
    expect(lead.LeadSource).toBe("WhatsApp");
    expect(lead.Description).toContain("Customer: Hi there");
    expect(lead.Description).toContain("Customer: Ada Lovelace");
    expect(lead.Description).toContain("Customer: Analytical Engines Ltd");

    // The confirmation travelled through the Graph API simulator, to this customer, with the id.
    const confirmation = replies[2]!;
    expect(confirmation.to).toBe("16315551181");
    expect(confirmation.type).toBe("text");
    expect(confirmation.text).toContain(lead.Id);
    expect(stack.sandbox.wa.sent).toHaveLength(3);

    // The reply leaves before the run's last state commits; wait for the run to finish.
    const runs = await eventually(async () => {
      const body = (await (await stack.http("GET", `/api/v1/runs?flowId=${stack.setup.flowId}`)).json()) as {
        items: Array<{ id: string; status: string }>;
      };
      return body.items[0]?.status === "completed" ? body : null;
    });
    expect(runs.items).toHaveLength(1);
    const run = (await (await stack.http("GET", `/api/v1/runs/${runs.items[0]!.id}`)).json()) as {
      steps: Array<{ stepId: string; status: string; output: { id?: string } | null; durationMs: number }>;
    };
    const create = run.steps.find((s) => s.stepId === "create_lead");
    expect(create?.status).toBe("completed");
    expect(create?.output?.id).toBe(lead.Id);
  });

  it("creates the Lead for a name as long as WhatsApp allows, the replies quoting it cut to fit", async () => {
    // 4,096 characters (WhatsApp's own maximum): "Thanks <name>! Which company…" came to 4,132 and
    // the send failed, so the run failed with no Lead and nothing said to the customer.
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551190");
    const name = `Ada ${"L".repeat(4_092)}`;
    await customer.say("Hi");
    await customer.waitForReplies(1);
    await customer.say(name);
    const [, question] = await customer.waitForReplies(2);
    expect(question?.text).toMatch(/^Thanks Ada L+\.\.\.! Which company are you with\?$/);
    await customer.say("NACA");
    const confirmation = (await customer.waitForReplies(3))[2];
    const lead = stack.sandbox.sf.records("Lead").find((l) => l.Phone === "+16315551190");
    expect(lead?.LastName).toBe(name.slice(0, 80));
    expect(confirmation?.text).toContain(String(lead?.Id));
  });

  it("records delivery statuses from the provider against the outbound message", async () => {
    stack.sandbox.wa.deliverStatusesTo(stack.setup.webhookUrl);
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "447700900123");
    await customer.say("hello");
    await customer.waitForReplies(1);
    const contactId = await eventually(async () => (await stack.tern.store.contacts.list())[0]?.id);
    const delivered = await eventually(async () =>
      (await stack.tern.store.contacts.messages(contactId)).find(
        (m) => m.direction === "out" && m.status === "delivered",
      ),
    );
    expect(delivered.providerMessageId).toBe(stack.sandbox.wa.sent[0]!.wamid);
  });

  it("exposes Prometheus metrics: backlog, runs by status, event-loop delay, memory", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "447700900124");
    await customer.say("hello");
    await customer.waitForReplies(1);
    const text = await eventually(async () => {
      // TERN_METRICS defaults to "token".
      const body = await (await stack.http("GET", "/metrics")).text();
      return body.includes('tern_runs{status="waiting"} 1') ? body : null;
    });
    expect(text).toContain("tern_inbox_backlog 0");
    expect(text).toMatch(/tern_event_loop_delay_seconds\{quantile="0.99"\} \d/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });
});
