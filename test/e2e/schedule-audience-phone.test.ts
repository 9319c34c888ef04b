import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A schedule whose audience names a person by phone number ("+49 151 …") must reach the
 * conversation the person talks in on that channel (WhatsApp's "4915…", or a Brazilian account's
 * old 8 digits), as a run started by the API for that phone does (docs/contacts.md, "A run started
 * for a phone number (API, schedule)"). Before, the run went to a second conversation keyed by the
 * number as written; WhatsApp answered the send with the same digits (no move), so the person's
 * reply came in their own conversation, reached no run, and the scheduled one waited for ever.
 */
describe("a schedule's audience named by phone reaches the person's conversation", () => {
  let stack: Stack;
  let now = Date.parse("2026-12-03T07:59:00Z");
  let day = 0;
  const clock = { now: () => now };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.http(method, `/api/v1${path}`, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const runsOf = async (flowId: string) =>
    (await api("GET", `/runs?flowId=${flowId}`)).body.items as Array<{ id: string; status: string }>;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      flow: {
        schema: "tern.flow/v1",
        name: "hello",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["hello"] },
        steps: [{ id: "s", type: "send", text: "Hello there." }],
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    { written: "+49 151 1234 0006", talksAs: "4915112340006", answer: "ja" },
    { written: "+55 11 98765-0007", talksAs: "551187650007", answer: "sim" },
  ])(
    "audience $written: asked where they talk as $talksAs, and their answer ends the run",
    async ({ written, talksAs, answer }) => {
      const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, talksAs);
      await customer.say("hello");
      await customer.waitForReplies(1);
      const created = await api("POST", "/flows", {
        schema: "tern.flow/v1",
        name: `reminder ${talksAs}`,
        trigger: {
          type: "schedule",
          cron: "0 8 * * *",
          audience: { contacts: [{ channel: "whatsapp", address: written }] },
        },
        steps: [
          { id: "ask", type: "ask", text: `Still coming, ${talksAs}?`, save: "answer", next: "thanks" },
          { id: "thanks", type: "send", text: "Thanks: {{ vars.answer }}." },
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const flowId = String(created.body.id);
      expect((await api("POST", `/flows/${flowId}/publish`, { version: 1 })).status).toBe(200);
      // The next 08:00 after this publish.
      now = Date.parse("2026-12-03T08:00:10Z") + day++ * 86_400_000;
      await stack.tern.worker.schedules.tick();
      const asked = await stack.sandbox.wa.waitForSent((m) => m.text === `Still coming, ${talksAs}?`);
      expect(asked.to).toBe(talksAs);
      const [run] = await eventually(async () => {
        const runs = await runsOf(flowId);
        return runs[0]?.status === "waiting" ? runs : null;
      });
      await customer.say(answer);
      await stack.sandbox.wa.waitForSent((m) => m.text === `Thanks: ${answer}.`);
      await eventually(async () =>
        (await api("GET", `/runs/${run?.id}`)).body.status === "completed" ? true : null,
      );
    },
  );
});
