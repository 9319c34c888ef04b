import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Global keywords (STOP, START, AGENT, RESTART) in the middle of a run, and the `handoff` step with
 * its release, through the real engine and store: webhooks in, replies at the WhatsApp simulator.
 */
const flowFile = (name: string, trigger: Record<string, unknown>, steps: unknown[]) => ({
  schema: "tern.flow/v1",
  name,
  trigger,
  steps,
});

type Run = {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  endReason: { code: string; message: string; stepId: string | null } | null;
  waitingFor: { stepId: string; for: string } | null;
  steps: Array<{
    stepId: string;
    status: string;
    error: { code: string; message: string } | null;
    output: unknown;
  }>;
};

describe("global keywords and handoff", () => {
  let stack: Stack;
  let notifyFlow = "";
  // The agents' inbox the handoff step notifies: records each JSON POST.
  let inbox: Server;
  const notified: Array<{ contentType: string | undefined; body: Record<string, unknown> }> = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.http(method, `/api/v1${path}`, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const create = async (flow: unknown) => {
    const created = await api("POST", "/flows", flow);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, version } = created.body as { id: string; version: number };
    expect((await api("POST", `/flows/${id}/publish`, { version })).status).toBe(200);
    return id;
  };
  const customer = (from: string) => createCustomer(stack.sandbox, stack.setup.webhookUrl, from);
  const texts = (from: string) => stack.sandbox.wa.sent.filter((m) => m.to === from).map((m) => m.text);
  const runsOf = async (contactAddress: string): Promise<Run[]> => {
    const contacts = await api("GET", `/contacts?channelId=${stack.setup.channelId}`);
    const contact = (
      contacts.body.items as Array<{ id: string; identities: Array<{ address: string }> }>
    ).find((c) => c.identities.some((i) => i.address === contactAddress));
    if (!contact) return [];
    const list = await api("GET", `/runs?contactId=${contact.id}`);
    return Promise.all(
      (list.body.items as Array<{ id: string }>).map(
        async (r) => (await api("GET", `/runs/${r.id}`)).body as Run,
      ),
    );
  };

  beforeAll(async () => {
    inbox = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        notified.push({ contentType: req.headers["content-type"], body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => inbox.listen(0, "127.0.0.1", resolve));
    const inboxUrl = `http://127.0.0.1:${(inbox.address() as AddressInfo).port}/agents`;
    // The stack's catch-all: the lead template (asks name, then company, then creates a Lead).
    // The notify receiver is on loopback, which the address policy refuses unless allowed.
    stack = await startStack({ env: { TERN_HTTP_ALLOW: "127.0.0.1" } });
    await create(
      flowFile("help desk", { type: "message", channels: ["whatsapp"], keywords: ["help"] }, [
        {
          id: "agent",
          type: "handoff",
          text: "A colleague will reply here.",
          case: {
            connection: "salesforce",
            fields: { Subject: "Help for {{ contact.address }}", Origin: "WhatsApp" },
          },
          notify: { url: inboxUrl },
          next: "back",
        },
        { id: "back", type: "send", text: "The bot is back. Case {{ steps.agent.caseId }}." },
      ]),
    );
    await create(
      flowFile("menu", { type: "message", channels: ["whatsapp"], keywords: ["menu"] }, [
        { id: "show", type: "send", text: "Menu: 1 prices, 2 hours" },
      ]),
    );
    await create(
      flowFile("metadata", { type: "message", channels: ["whatsapp"], keywords: ["meta"] }, [
        { id: "agent", type: "handoff", notify: { url: "https://169.254.169.254/latest/meta-data/" } },
      ]),
    );
    notifyFlow = await create(
      flowFile("notify", { type: "api" }, [{ id: "tell", type: "send", text: "Your order shipped." }]),
    );
  });
  afterAll(async () => {
    await stack?.close();
    inbox?.close();
  });

  it("STOP in the middle of a flow ends the run; later sends to the contact are refused and recorded; START opts back in", async () => {
    const from = "4915300000001";
    const ada = customer(from);
    await ada.say("Hi");
    await ada.waitForReplies(1);
    await ada.say("stop");
    const [ended] = await eventually(async () => {
      const runs = await runsOf(from);
      return runs.length === 1 && runs[0]?.status === "ended" ? runs : null;
    });
    // Ended like an operator's end: the reason on the step it waited at, that step dropped.
    expect(ended?.error).toBeNull();
    expect(ended?.endReason).toMatchObject({ code: "CONTACT_OPTED_OUT", stepId: expect.any(String) });
    const history = (await api("GET", `/runs/${ended?.id}`)).body as Run;
    expect(history.steps.find((st) => st.stepId === ended?.endReason?.stepId)?.status).toBe("dropped");
    expect(history.steps.some((st) => st.status === "waiting")).toBe(false);

    // Salesforce changes a case: the flow tries to message the contact, and is refused.
    const started = await api("POST", `/flows/${notifyFlow}/runs`, {
      contact: { channel: "whatsapp", address: from },
    });
    expect(started.status).toBe(202);
    const refused = await eventually(async () => {
      const run = (await api("GET", `/runs/${started.body.runId}`)).body as Run;
      return run.status === "failed" ? run : null;
    });
    expect(refused.error?.code).toBe("CONTACT_OPTED_OUT");
    expect(refused.steps[0]).toMatchObject({
      stepId: "tell",
      status: "failed",
      error: { code: "CONTACT_OPTED_OUT" },
    });
    expect(refused.steps[0]?.error?.message).toContain("opted out");
    // A message the contact sends starts a flow, but its send is refused too.
    await ada.say("Hi again");
    await eventually(async () =>
      (await runsOf(from)).some((r) => r.status === "failed" && r.id !== refused.id),
    );
    await stack.tern.worker.idle();
    expect(texts(from)).toHaveLength(1);

    await ada.say("START");
    await stack.tern.worker.idle();
    const again = await api("POST", `/flows/${notifyFlow}/runs`, {
      contact: { channel: "whatsapp", address: from },
    });
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text === "Your order shipped.");
    await eventually(
      async () => ((await api("GET", `/runs/${again.body.runId}`)).body as Run).status === "completed",
    );
  });

  it("STOP written with punctuation or on a full-width keyboard opts out; a sentence that starts with stop is an answer", async () => {
    const said = ["Stop.", "ＳＴＯＰ", "STOP!!"];
    for (const [i, word] of said.entries()) {
      const from = `491530000010${i}`;
      const person = customer(from);
      await person.say("Hi");
      await person.waitForReplies(1);
      await person.say(word);
      const runs = await eventually(
        async () => {
          const all = await runsOf(from);
          return all[0]?.status === "ended" ? all : null;
        },
        10_000,
        `${word} ends the run`,
      );
      expect(runs[0]?.endReason, word).toMatchObject({ code: "CONTACT_OPTED_OUT" });
    }
    const from = "4915300000109";
    const person = customer(from);
    await person.say("Hi");
    await person.waitForReplies(1);
    await person.say("Stop sending the wrong size!");
    await person.waitForReplies(2);
    // The next question reaches the customer before the run's wait at it is committed.
    const [run] = await eventually(
      async () => {
        const runs = await runsOf(from);
        return runs[0]?.waitingFor?.stepId === "ask_company" ? runs : null;
      },
      10_000,
      "the run waiting at ask_company",
    );
    expect(run).toMatchObject({ status: "waiting", endReason: null });
  });

  it("RESTART ends the current run and starts its flow afresh", async () => {
    const from = "4915300000002";
    const bo = customer(from);
    await bo.say("Hi");
    await bo.waitForReplies(1);
    await bo.say("Grace Hopper");
    const [, company] = await bo.waitForReplies(2);
    expect(company?.text).toContain("company");
    await bo.say("Restart");
    const replies = await bo.waitForReplies(3);
    expect(replies[2]?.text).toBe(replies[0]?.text);
    // The new run's question reaches the customer before its wait is committed.
    const runs = await eventually(
      async () => {
        const all = await runsOf(from);
        return all.some((r) => r.status === "waiting") ? all : null;
      },
      10_000,
      "the restarted run waiting",
    );
    expect(runs.map((r) => r.status).sort()).toEqual(["ended", "waiting"]);
    expect(runs.find((r) => r.status === "ended")?.endReason?.code).toBe("RUN_RESTARTED");
  });

  it("RESTART after a run completed starts the conversation's last flow again", async () => {
    const from = "4915300000006";
    const fa = customer(from);
    await fa.say("menu");
    await fa.waitForReplies(1);
    await eventually(async () => (await runsOf(from))[0]?.status === "completed");
    await fa.say("RESTART");
    const replies = await fa.waitForReplies(2);
    expect(replies.map((m) => m.text)).toEqual(["Menu: 1 prices, 2 hours", "Menu: 1 prices, 2 hours"]);
  });

  it("AGENT pauses the run for a person: messages are recorded, nothing answers; a release resumes where it was", async () => {
    const from = "4915300000003";
    const cy = customer(from);
    await cy.say("Hi");
    await cy.waitForReplies(1);
    await cy.say("agent");
    const [paused] = await eventually(async () => {
      const runs = await runsOf(from);
      return runs[0]?.waitingFor && (await api("GET", `/runs/${runs[0].id}`)).body ? runs : null;
    });
    await cy.say("is anyone there?");
    const contactId = (await api("GET", `/runs/${paused?.id}`)).body.contactId;
    const inbound = async () =>
      (
        (await api("GET", `/contacts/${contactId}`)).body.messages as Array<{
          direction: string;
          text: string;
        }>
      )
        .filter((m) => m.direction === "in")
        .map((m) => m.text);
    // The worker takes the message once the webhook's commit pokes it: recorded, then looked at.
    await eventually(async () => ((await inbound()).length === 3 ? true : undefined));
    await stack.tern.worker.idle();
    expect(texts(from)).toHaveLength(1);
    // The run says a person has it.
    expect((await runsOf(from))[0]?.waitingFor).toMatchObject({ for: "handoff" });
    expect(await inbound()).toEqual(["Hi", "agent", "is anyone there?"]);

    expect((await api("POST", `/runs/${paused?.id}/release`, { note: "sorted by phone" })).status).toBe(202);
    await stack.tern.worker.idle();
    expect((await runsOf(from))[0]?.waitingFor).toMatchObject({ for: "reply" });
    await cy.say("Grace Hopper");
    const replies = await cy.waitForReplies(2);
    expect(replies[1]?.text).toContain("company");
    // Releasing a run that is not paused is a clear 409.
    const conflict = await api("POST", `/runs/${paused?.id}/release`);
    expect(conflict.status).toBe(409);
  });

  it("handoff step: tells the customer, creates a Case, pauses; inbound is recorded; release continues at next", async () => {
    const from = "4915300000004";
    const di = customer(from);
    await di.say("help");
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text === "A colleague will reply here.");
    const [run] = await eventually(async () => {
      const runs = await runsOf(from);
      return runs[0]?.status === "waiting" ? runs : null;
    });
    const cases = stack.sandbox.sf.records("Case").filter((c) => c.Subject === `Help for ${from}`);
    expect(cases).toHaveLength(1);
    // The agents' inbox heard of it, once, with the run, the contact and the Case.
    expect(notified).toHaveLength(1);
    expect(notified[0]?.contentType).toBe("application/json");
    expect(notified[0]?.body).toMatchObject({
      event: "handoff",
      runId: run?.id,
      contact: { channel: "whatsapp", address: from },
      caseId: cases[0]?.Id,
      text: "A colleague will reply here.",
    });
    await di.say("hello? I need a refund");
    // No trigger takes the conversation from the person: an API run is recorded as skipped.
    const api2 = await api("POST", `/flows/${notifyFlow}/runs`, {
      contact: { channel: "whatsapp", address: from },
    });
    const skipped = await eventually(async () => {
      const r = await api("GET", `/runs/${api2.body.runId}`);
      return r.status === 200 ? (r.body as Run) : null;
    });
    expect(skipped).toMatchObject({ status: "ended", error: { code: "RUN_SKIPPED" } });
    await stack.tern.worker.idle();
    expect(texts(from)).toEqual(["A colleague will reply here."]);

    expect((await api("POST", `/runs/${run?.id}/release`, { note: "refund done" })).status).toBe(202);
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text.startsWith("The bot is back."));
    expect(texts(from)[1]).toBe(`The bot is back. Case ${cases[0]?.Id}.`);
    const done = await eventually(async () => {
      const current = (await api("GET", `/runs/${run?.id}`)).body as Run;
      return current.status === "completed" ? current : null;
    });
    expect(done.steps[0]?.output).toMatchObject({
      caseId: cases[0]?.Id,
      released: true,
      note: "refund done",
    });
    expect((await api("POST", "/runs/run_nope/release")).status).toBe(404);
  });

  it("a handoff notify URL on a cloud metadata address is refused like the http step's, and nothing is sent there", async () => {
    const from = "4915300000009";
    await customer(from).say("meta");
    const [failed] = await eventually(async () => {
      const runs = await runsOf(from);
      return runs[0]?.status === "failed" ? runs : null;
    });
    expect(failed?.error?.code).toBe("HTTP_ADDRESS_REFUSED");
    expect(failed?.error?.message).toContain("169.254.169.254");
  });

  it("keywords are configured once: GET and PUT /settings/keywords, with bad input refused", async () => {
    expect((await api("GET", "/settings/keywords")).body).toEqual({
      stop: ["STOP"],
      start: ["START"],
      agent: ["AGENT"],
      restart: ["RESTART"],
    });
    const put = await api("PUT", "/settings/keywords", { stop: ["STOP", "UNSUBSCRIBE"], agent: [] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ stop: ["STOP", "UNSUBSCRIBE"], agent: [], restart: ["RESTART"] });
    expect((await api("PUT", "/settings/keywords", { stop: "STOP" })).status).toBe(400);
    expect((await api("PUT", "/settings/keywords", { halt: ["X"] })).status).toBe(400);
    // A word in two lists (" start " folds to START): STOP could never be undone. Refused, unchanged.
    const overlap = await api("PUT", "/settings/keywords", { stop: ["STOP", " start "], start: ["START"] });
    expect(overlap.status).toBe(400);
    expect(JSON.stringify(overlap.body)).toContain("is already a stop keyword");
    expect((await api("GET", "/settings/keywords")).body).toMatchObject({ stop: ["STOP", "UNSUBSCRIBE"] });

    // AGENT is off now: the word is an ordinary answer.
    const from = "4915300000005";
    const ed = customer(from);
    await ed.say("Hi");
    await ed.waitForReplies(1);
    await ed.say("agent");
    const replies = await ed.waitForReplies(2);
    expect(replies[1]?.text).toContain("company");
    await ed.say("unsubscribe");
    await eventually(async () => (await runsOf(from))[0]?.endReason?.code === "CONTACT_OPTED_OUT");
  });
});
