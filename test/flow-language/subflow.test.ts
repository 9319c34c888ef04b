import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * `subflow`: a parent flow runs a child flow's published version in the same conversation. The
 * child's ask gets the customer's reply, its output vars come back, and the parent continues.
 * Through the real server, worker, store and the WhatsApp simulator.
 */
const trigger = (keyword: string) => ({ type: "message", channels: ["whatsapp"], keywords: [keyword] });
const childFlow = (label: string) => ({
  schema: "tern.flow/v1",
  name: "Ask for an email",
  trigger: trigger("child-only"),
  steps: [
    {
      id: "ask_email",
      type: "ask",
      text: "{{ vars.greeting }}, your email?",
      save: "email",
      expect: "email",
      next: "got_it",
    },
    { id: "got_it", type: "send", text: `${label} got {{ vars.email }}`, next: "tidy" },
    { id: "tidy", type: "set", vars: { secret: "child only" } },
  ],
});
const parentFlow = (childId: string) => ({
  schema: "tern.flow/v1",
  name: "Welcome",
  trigger: trigger("start"),
  steps: [
    { id: "welcome", type: "send", text: "Welcome!", next: "get_email" },
    {
      id: "get_email",
      type: "subflow",
      flow: childId,
      input: { greeting: "Hi {{ contact.name }}" },
      output: ["email"],
      next: "confirm",
    },
    {
      id: "confirm",
      type: "send",
      text: "We'll write to {{ vars.email }} ({{ steps.get_email.vars.email }}){% if vars.secret %} leaked{% endif %}",
    },
  ],
});

type RunBody = {
  status: string;
  error?: { code: string; message: string } | null;
  steps: Array<{ stepId: string; type: string; status: string; output: unknown }>;
};

describe("subflow", () => {
  let stack: Stack;
  let phone = 0;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const customer = () =>
    createCustomer(stack.sandbox, stack.setup.webhookUrl, `4477${String(phone++).padStart(8, "0")}`);
  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await stack.http(method, `/api/v1${path}`, body);
    return { status: res.status, body: (await res.json()) as T };
  }
  async function importAndPublish(flow: unknown, id?: string): Promise<string> {
    const created = await api<{ id: string; version: number }>(
      id ? "PUT" : "POST",
      id ? `/flows/${id}` : "/flows",
      flow,
    );
    expect(created.status).toBe(201);
    const published = await api("POST", `/flows/${created.body.id}/publish`, {
      version: created.body.version,
    });
    expect(published.status).toBe(200);
    return created.body.id;
  }
  const runOf = async (from: string) => {
    const { body } = await api<{ items: Array<{ id: string; conversationKey?: string; status: string }> }>(
      "GET",
      "/runs?limit=100",
    );
    const runs = await stack.tern.store.runs.list({ limit: 100 });
    const run = runs.find((r) => r.conversationKey.endsWith(from));
    // The webhook is answered before the worker stores the run it starts: none yet, look again.
    if (!run) return null;
    expect(body.items.length).toBeGreaterThan(0);
    return (await api<RunBody>("GET", `/runs/${run.id}`)).body;
  };

  it("runs the child in the conversation: its ask takes the reply, its output comes back, the parent continues on the pinned child version", async () => {
    const childId = await importAndPublish(childFlow("child v1"));
    await importAndPublish(parentFlow(childId));
    const ada = customer();
    await ada.say("start");
    const asked = await ada.waitForReplies(2);
    expect(asked.map((m) => m.text)).toEqual(["Welcome!", "Hi Ada Lovelace, your email?"]);

    // A new child version published while the run is inside the child: the run keeps v1.
    await importAndPublish(childFlow("child v2"), childId);
    await ada.say("  Ada@Example.COM ");
    const replies = await ada.waitForReplies(4);
    expect(replies.slice(2).map((m) => m.text)).toEqual([
      "child v1 got ada@example.com",
      "We'll write to ada@example.com (ada@example.com)",
    ]);

    const run = await eventually(async () => {
      const r = await runOf(ada.from);
      return r?.status === "completed" ? r : null;
    });
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["welcome", "completed"],
      ["get_email", "completed"],
      ["get_email/ask_email", "completed"],
      ["get_email/got_it", "completed"],
      ["get_email/tidy", "completed"],
      ["confirm", "completed"],
    ]);
    expect(run.steps[1]!.output).toEqual({ flow: childId, version: 1, vars: { email: "ada@example.com" } });
  });

  // Found by a multi-process audit: with the caller unpublished, the child could be unpublished and
  // deleted while a run was inside it; the customer's answer then failed the run ("version 1 is
  // missing"), or ran the steps of another flow imported under the same id.
  it("refuses to delete a child while a run of an unpublished caller is inside it, which then finishes", async () => {
    const childId = await importAndPublish(childFlow("kept child"));
    const parentId = await importAndPublish({ ...parentFlow(childId), trigger: trigger("begin") });
    const cy = customer();
    await cy.say("begin");
    await cy.waitForReplies(2);
    expect((await api("POST", `/flows/${parentId}/unpublish`)).status).toBe(200);
    expect((await api("POST", `/flows/${childId}/unpublish`)).status).toBe(200);

    const refused = await stack.http("DELETE", `/api/v1/flows/${childId}`);
    expect(refused.status).toBe(409);
    const message = ((await refused.json()) as { error: { message: string } }).error.message;
    expect(message).toContain(`is running as a subflow in 1 active run(s) of flow(s) "${parentId}"`);

    await cy.say("cy@example.com");
    const replies = await cy.waitForReplies(4);
    expect(replies.slice(2).map((m) => m.text)).toEqual([
      "kept child got cy@example.com",
      "We'll write to cy@example.com (cy@example.com)",
    ]);
    await eventually(async () => ((await runOf(cy.from))?.status === "completed" ? true : null));
    // Nothing is inside it any more: the delete goes through.
    expect((await stack.http("DELETE", `/api/v1/flows/${childId}`)).status).toBe(204);
  });

  // Found by an outside audit: unpublishing a child that a published flow runs answered 200; the
  // caller stayed published, failed every run at its subflow step and could not be published again.
  it("refuses to unpublish a child a published flow runs (409 naming it), and unpublishes it once the caller is unpublished", async () => {
    const childId = await importAndPublish(childFlow("needed child"));
    const parentId = await importAndPublish({ ...parentFlow(childId), trigger: trigger("hello") });
    const refused = await stack.http("POST", `/api/v1/flows/${childId}/unpublish`);
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain(`runs as a subflow of published flow(s) "${parentId}"`);
    // Nothing changed: the child is still published and the parent's conversation runs it.
    expect((await api<{ publishedVersion: number }>("GET", `/flows/${childId}`)).body.publishedVersion).toBe(
      1,
    );
    const dee = customer();
    await dee.say("hello");
    expect((await dee.waitForReplies(2)).map((m) => m.text)[1]).toBe("Hi Ada Lovelace, your email?");

    expect((await api("POST", `/flows/${parentId}/unpublish`)).status).toBe(200);
    expect((await api("POST", `/flows/${childId}/unpublish`)).status).toBe(200);
  });

  it("a flow that runs itself stops at the depth limit with a clear error instead of looping", async () => {
    const loopId = await importAndPublish({
      schema: "tern.flow/v1",
      name: "Loop",
      trigger: trigger("loop"),
      steps: [{ id: "hello", type: "send", text: "Hello" }],
    });
    await importAndPublish(
      {
        schema: "tern.flow/v1",
        name: "Loop",
        trigger: trigger("loop"),
        steps: [{ id: "again", type: "subflow", flow: loopId }],
      },
      loopId,
    );
    const bo = customer();
    await bo.say("loop");
    const run = await eventually(async () => {
      const r = await runOf(bo.from);
      return r?.status === "failed" ? r : null;
    });
    expect(run.error?.code).toBe("FLOW_INVALID");
    expect(run.error?.message).toContain("Subflows nest more than 8 deep");
    expect(bo.received()).toEqual([]);
  });

  it("naming a flow that does not exist warns on import and is refused at publish", async () => {
    const created = await api<{
      id: string;
      version: number;
      warnings: Array<{ path: string; message: string }>;
    }>("POST", "/flows", parentFlow("flow_missing"));
    expect(created.status).toBe(201);
    expect(created.body.warnings).toContainEqual(
      expect.objectContaining({
        path: "$.steps[1].flow",
        message: expect.stringContaining('no flow with id "flow_missing"'),
      }),
    );
    const published = await api<{ error: { code: string; details: { errors: Array<{ path: string }> } } }>(
      "POST",
      `/flows/${created.body.id}/publish`,
      {},
    );
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe("FLOW_INVALID");
    expect(published.body.error.details.errors.map((e) => e.path)).toEqual(["$.steps[1].flow"]);
  });
});
