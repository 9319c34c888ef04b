import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { eventually } from "../helpers/in-process.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * Try it (POST /api/v1/sandbox/try): a draft version of the sandbox's lead flow, never published,
 * is played by a sandbox customer while the published version keeps answering everyone else.
 */
interface Received {
  text: string;
  choices?: string[];
  choiceStyle?: string;
}
interface Conversation {
  received: Received[];
  said: Array<{ text: string }>;
}
interface Run {
  id: string;
  status: string;
  flowVersion: number;
  currentStep: string | null;
  waitingFor: { stepId: string } | null;
  vars: Record<string, unknown>;
}

const DRAFT_QUESTION = "Draft two here. What's your name?";

let stack: BuiltInSandboxStack;

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const conversation = async (from: string, channel = "whatsapp") =>
  json<Conversation>(await stack.http("GET", `/api/v1/sandbox/conversations/${from}?channel=${channel}`));
const received = async (from: string, count: number, channel = "whatsapp") =>
  eventually(
    async () => {
      const got = (await conversation(from, channel)).received;
      return got.length >= count ? got : null;
    },
    10_000,
    `${count} message(s) to ${from} on ${channel}`,
  );
const say = async (from: string, text: string, channel = "whatsapp") => {
  const res = await stack.http("POST", "/api/v1/sandbox/messages", { channel, from, text });
  expect(res.status, await res.clone().text()).toBe(202);
};
const run = async (id: string) => json<Run>(await stack.http("GET", `/api/v1/runs/${id}`));
const tryIt = (body: unknown) => stack.http("POST", "/api/v1/sandbox/try", body);
/** The run as it waits at `stepId` (the question can reach the simulator before the wait is committed). */
const waitingAt = (id: string, stepId: string) =>
  eventually(
    async () => {
      const r = await run(id);
      return r.status === "waiting" && r.waitingFor?.stepId === stepId ? r : null;
    },
    10_000,
    `run ${id} waiting at ${stepId}`,
  );
const errorCode = async (res: Response) => (await json<{ error: { code: string } }>(res)).error.code;

beforeAll(async () => {
  stack = await startBuiltInSandboxStack();
  // Version 2, a draft: another first question. Version 1 stays the published one.
  const flow = await json<{ definition: { steps: Array<{ id: string; text?: string }> } }>(
    await stack.http("GET", `/api/v1/flows/${stack.flowId}`),
  );
  const definition = structuredClone(flow.definition);
  const ask = definition.steps.find((s) => s.id === "ask_name");
  if (!ask) throw new Error("the lead flow has no ask_name step");
  ask.text = DRAFT_QUESTION;
  const saved = await stack.http("PUT", `/api/v1/flows/${stack.flowId}`, definition);
  expect(saved.status, await saved.clone().text()).toBe(201);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe("Try it: POST /api/v1/sandbox/try", () => {
  it("plays the never-published draft v2 to a Lead: question at the simulator, answers move the run, Lead id in the reply", async () => {
    const summary = await json<{ latestVersion: number; publishedVersion: number }>(
      await stack.http("GET", `/api/v1/flows/${stack.flowId}`),
    );
    expect(summary).toMatchObject({ latestVersion: 2, publishedVersion: 1 });

    const res = await tryIt({ flowId: stack.flowId, channel: "whatsapp", from: "15550009001" });
    expect(res.status, await res.clone().text()).toBe(202);
    const started = await json<{ runId: string; flowVersion: number; channel: string; from: string }>(res);
    expect(started).toMatchObject({ flowVersion: 2, channel: "whatsapp", from: "15550009001" });

    const [question] = await received("15550009001", 1);
    expect(question?.text).toBe(DRAFT_QUESTION);
    expect((await waitingAt(started.runId, "ask_name")).flowVersion).toBe(2);

    await say("15550009001", "Grace Hopper");
    expect((await received("15550009001", 2))[1]?.text).toBe(
      "Thanks Grace Hopper! Which company are you with?",
    );
    await waitingAt(started.runId, "ask_company");
    await say("15550009001", "Cobol Inc");
    const replies = await received("15550009001", 3);
    expect(replies[2]?.text).toMatch(/Your reference is 00Q[A-Za-z0-9]{15}\.$/);

    const done = await eventually(async () => {
      const r = await run(started.runId);
      return r.status === "completed" ? r : null;
    });
    expect(done.vars).toMatchObject({ name: "Grace Hopper", company: "Cobol Inc" });
    const leads = stack.sandbox.sandbox.sf.records("Lead");
    const lead = leads.find((l) => l.LastName === "Grace Hopper");
    expect(lead?.Phone).toBe("+15550009001");
    expect(replies[2]?.text).toContain(String(lead?.Id));
    // What the customer said is in the conversation too, for the panel's right-hand bubbles.
    expect((await conversation("15550009001")).said.map((m) => m.text)).toEqual([
      "Grace Hopper",
      "Cobol Inc",
    ]);
  });

  it("the published version 1 keeps answering other customers", async () => {
    await say("15550009002", "Hi");
    const [first] = await received("15550009002", 1);
    expect(first?.text).toBe("Hi! Thanks for getting in touch. What's your name?");
    const runs = await json<{ items: Run[] }>(
      await stack.http("GET", `/api/v1/runs?flowId=${stack.flowId}&flowVersion=1`),
    );
    expect(runs.items.length).toBeGreaterThan(0);
  });

  it("defaults: the latest version, the flow's first simulated channel and a fresh WhatsApp customer", async () => {
    const res = await tryIt({ flowId: stack.flowId });
    expect(res.status, await res.clone().text()).toBe(202);
    const started = await json<{ runId: string; flowVersion: number; channel: string; from: string }>(res);
    expect(started.flowVersion).toBe(2);
    expect(started.channel).toBe("whatsapp");
    expect(started.from).toMatch(/^\d{6,15}$/);
    expect((await received(started.from, 1))[0]?.text).toBe(DRAFT_QUESTION);
  });

  it("Restart replaces the run active in the conversation", async () => {
    const first = await json<{ runId: string }>(
      await tryIt({ flowId: stack.flowId, channel: "whatsapp", from: "15550009003" }),
    );
    await received("15550009003", 1);
    await waitingAt(first.runId, "ask_name");
    const again = await json<{ runId: string }>(
      await tryIt({ flowId: stack.flowId, version: 1, channel: "whatsapp", from: "15550009003" }),
    );
    const replies = await received("15550009003", 2);
    expect(replies[1]?.text).toBe("Hi! Thanks for getting in touch. What's your name?");
    expect(await eventually(async () => (await run(first.runId)).status === "ended")).toBe(true);
    expect((await run(again.runId)).flowVersion).toBe(1);
  });

  it("Restart replaces a run paused for a person too (a handoff step): the tester plays that person", async () => {
    const handoff = {
      schema: "tern.flow/v1",
      name: "Straight to a person",
      trigger: { type: "api" },
      steps: [{ id: "agent", type: "handoff", text: "A colleague will take over." }],
    };
    const created = await json<{ id: string }>(await stack.http("POST", "/api/v1/flows", handoff));
    const from = "15550009013";
    const first = await json<{ runId: string }>(await tryIt({ flowId: created.id, from }));
    await received(from, 1);
    await eventually(async () => (await run(first.runId)).status === "waiting" || null);
    const again = await json<{ runId: string }>(await tryIt({ flowId: created.id, from }));
    const replies = await received(from, 2);
    expect(replies[1]?.text).toBe("A colleague will take over.");
    expect(await eventually(async () => (await run(first.runId)).status === "ended" || null)).toBe(true);
    // The handoff's text can reach the simulator before its wait is committed.
    expect(await eventually(async () => (await run(again.runId)).status === "waiting" || null)).toBe(true);
  });

  it("the customer keeps the name given to the try: a later answer does not rename them 'Sandbox customer'", async () => {
    const named = {
      schema: "tern.flow/v1",
      name: "Names",
      trigger: { type: "api" },
      steps: [
        { id: "ask", type: "ask", text: "Hi {{ contact.name }}, what about?", save: "topic", next: "bye" },
        { id: "bye", type: "send", text: "Bye {{ contact.name }}" },
      ],
    };
    const created = await json<{ id: string }>(await stack.http("POST", "/api/v1/flows", named));
    const from = "15550009014";
    await tryIt({ flowId: created.id, from, name: "Ada" });
    expect((await received(from, 1))[0]?.text).toBe("Hi Ada, what about?");
    await say(from, "a quote");
    expect((await received(from, 2))[1]?.text).toBe("Bye Ada");
  });

  it("runs on another simulated channel: Telegram, with the answer landing in the same conversation", async () => {
    const started = await json<{ runId: string; from: string; channel: string }>(
      await tryIt({ flowId: stack.flowId, channel: "telegram" }),
    );
    expect(started.channel).toBe("telegram");
    expect((await received(started.from, 1, "telegram"))[0]?.text).toBe(DRAFT_QUESTION);
    await say(started.from, "Ada", "telegram");
    expect((await received(started.from, 2, "telegram"))[1]?.text).toContain("Thanks Ada!");
    await waitingAt(started.runId, "ask_company");
  });

  it("on every simulated channel a fresh customer gets the question and their answer moves the run", async () => {
    const status = await json<{ channelTypes: string[] }>(await stack.http("GET", "/api/v1/sandbox"));
    expect(status.channelTypes.length).toBeGreaterThan(5);
    for (const channel of status.channelTypes) {
      const res = await tryIt({ flowId: stack.flowId, channel });
      expect(res.status, `${channel}: ${await res.clone().text()}`).toBe(202);
      const started = await json<{ runId: string; from: string }>(res);
      expect((await received(started.from, 1, channel))[0]?.text, channel).toBe(DRAFT_QUESTION);
      await waitingAt(started.runId, "ask_name");
      await say(started.from, `Ada ${channel}`, channel);
      await waitingAt(started.runId, "ask_company");
    }
  }, 60_000);

  it("a menu shows as WhatsApp reply buttons (list beyond 3) and a tap takes its branch", async () => {
    const menu = (titles: string[]) => ({
      schema: "tern.flow/v1",
      name: `Menu of ${titles.length}`,
      trigger: { type: "message", channels: ["whatsapp", "telegram"], keywords: [`menu${titles.length}`] },
      start: "pick",
      steps: [
        {
          id: "pick",
          type: "menu",
          text: "What can we help with?",
          save: "topic",
          choices: titles.map((title, i) => ({ id: `c${i}`, title, next: i === 1 ? "second" : "other" })),
        },
        { id: "second", type: "send", text: "You picked the second one." },
        { id: "other", type: "send", text: "You picked another one." },
      ],
    });
    const created = await json<{ id: string }>(
      await stack.http("POST", "/api/v1/flows", menu(["Sales", "Support"])),
    );
    const started = await json<{ runId: string; from: string }>(await tryIt({ flowId: created.id }));
    const [question] = await received(started.from, 1);
    expect(question).toMatchObject({ choices: ["Sales", "Support"], choiceStyle: "buttons" });
    await waitingAt(started.runId, "pick");
    const tap = await stack.http("POST", "/api/v1/sandbox/messages", {
      channel: "whatsapp",
      from: started.from,
      choice: "Support",
    });
    expect(tap.status, await tap.clone().text()).toBe(202);
    expect((await received(started.from, 2))[1]?.text).toBe("You picked the second one.");
    const done = await eventually(async () => {
      const r = await run(started.runId);
      return r.status === "completed" ? r : null;
    });
    expect(done.vars.topic).toBe("c1");
    expect((await conversation(started.from)).said).toMatchObject([{ text: "Support", choice: "Support" }]);

    const long = await json<{ id: string }>(
      await stack.http("POST", "/api/v1/flows", menu(["One", "Two", "Three", "Four"])),
    );
    const listed = await json<{ from: string }>(await tryIt({ flowId: long.id }));
    expect((await received(listed.from, 1))[0]).toMatchObject({ choiceStyle: "list" });
    const onTelegram = await json<{ from: string }>(await tryIt({ flowId: long.id, channel: "telegram" }));
    expect((await received(onTelegram.from, 1, "telegram"))[0]).toMatchObject({
      choices: ["One", "Two", "Three", "Four"],
      choiceStyle: "inline_keyboard",
    });
  });

  it("answers 404 for an unknown flow or version, 400 for a bad body or channel", async () => {
    const unknownFlow = await tryIt({ flowId: "flow_nope" });
    expect(unknownFlow.status).toBe(404);
    expect(await errorCode(unknownFlow)).toBe("FLOW_NOT_FOUND");
    const unknownVersion = await tryIt({ flowId: stack.flowId, version: 9 });
    expect(unknownVersion.status).toBe(404);
    expect(await errorCode(unknownVersion)).toBe("FLOW_VERSION_NOT_FOUND");
    for (const body of [
      {},
      { flowId: 7 },
      { flowId: stack.flowId, version: 0 },
      { flowId: stack.flowId, version: "2" },
      { flowId: stack.flowId, from: "not a number!" },
      { flowId: stack.flowId, channel: "whatsapp", from: "ada" },
      { flowId: stack.flowId, channel: "carrier-pigeon" },
      { flowId: stack.flowId, extra: true },
    ]) {
      const res = await tryIt(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { channel: "whatsapp", from: "15550009001" },
      { channel: "whatsapp", from: "15550009001", text: "Hi", choice: "Sales" },
    ]) {
      const res = await stack.http("POST", "/api/v1/sandbox/messages", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    // A misspelt key is refused, not dropped: `chanel` played the customer on WhatsApp.
    const said = await stack.http("POST", "/api/v1/sandbox/messages", {
      chanel: "telegram",
      from: "15550009003",
      text: "Hi",
    });
    expect(said.status).toBe(400);
    expect(await said.text()).toContain("chanel");
    const heard = await stack.http("GET", "/api/v1/sandbox/conversations/15550009003");
    expect((await json<{ said: unknown[] }>(heard)).said).toEqual([]);
    // A tap on a button nobody sent: refused, saying what was offered; nothing reaches Tern.
    const tapped = await stack.http("POST", "/api/v1/sandbox/messages", {
      channel: "whatsapp",
      from: "15550009002",
      choice: "Nope",
    });
    expect(tapped.status).toBe(400);
    expect(await tapped.text()).toContain("nothing sent to 15550009002 on whatsapp offered choices to tap");
    const notJson = await stack.http("POST", "/api/v1/sandbox/try", "{flowId:");
    expect(notJson.status).toBe(400);
  });

  it("is documented in the OpenAPI document with its body", async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { description?: string; requestBody?: unknown }>>;
    }>(await stack.http("GET", "/api/docs/json"));
    const route = doc.paths["/api/v1/sandbox/try"]?.post;
    expect(route?.description).toContain("FLOW_VERSION_NOT_FOUND");
    expect(JSON.stringify(route?.requestBody)).toContain("flowId");
  });

  it("shows every record a conversation made, a Viber Case with its CaseNumber too, not only Leads", async () => {
    const flow = JSON.parse(readFileSync(templatePath("viber-case.json"), "utf8")) as Record<string, unknown>;
    delete flow.tests;
    const created = await json<{ id: string; version: number }>(
      await stack.http("POST", "/api/v1/flows", flow),
    );
    expect(
      (await stack.http("POST", `/api/v1/flows/${created.id}/publish`, { version: created.version })).status,
    ).toBe(200);
    const from = "9900777123";
    const answers = ["Hi", "My parcel never came", "Order 1234", "+44 20 7946 0958"];
    for (const [i, text] of answers.entries()) {
      await say(from, text, "viber");
      await received(from, i + 1, "viber");
    }
    const view = await json<{ records: Array<{ object: string; Id: string; CaseNumber?: string }> }>(
      await stack.http("GET", `/api/v1/sandbox/conversations/${from}?channel=viber`),
    );
    const cases = view.records.filter((r) => r.object === "Case");
    expect(cases).toHaveLength(1);
    expect(cases[0]?.CaseNumber).toMatch(/^\d{8}$/);
    expect((await received(from, 4, "viber"))[3]?.text).toContain(`case ${cases[0]?.CaseNumber}`);
  });

  it("answers 409 SANDBOX_OFF once the sandbox stepped aside", async () => {
    await stack.sandbox.stepAside();
    const res = await tryIt({ flowId: stack.flowId });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe("SANDBOX_OFF");
  });
});
