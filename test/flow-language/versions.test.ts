import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { FLOW_JSON_SCHEMA_URL } from "../../src/flows/schema.js";
import { validateFlow } from "../../src/flows/validate.js";
import { canonicalFlowText } from "../../src/flows/versions/canonical.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { stepRegistry } from "../../src/steps.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Versions through the admin API: a readable diff between two versions, exports that are the same
 * bytes for the same flow, the flow file's JSON Schema where editors find it, and validation that
 * knows what this installation has. (Publishing while runs wait: test/e2e/flow-versions.test.ts.)
 */
const v1 = {
  schema: "tern.flow/v1",
  name: "Support",
  trigger: { type: "message", channels: ["whatsapp"], keywords: ["help"] },
  steps: [
    { id: "ask_problem", type: "ask", text: "What's wrong?", save: "problem", next: "thanks" },
    { id: "thanks", type: "send", text: "Thanks!" },
    { id: "old_step", type: "send", text: "Unused" },
  ],
};
const v2 = {
  schema: "tern.flow/v1",
  name: "Support desk",
  trigger: { type: "message", channels: ["whatsapp"], keywords: ["help", "support"] },
  steps: [
    { id: "ask_problem", type: "ask", text: "What went wrong?", save: "problem", next: "tag" },
    { id: "tag", type: "contact.tag", add: ["support"], next: "thanks" },
    { id: "thanks", type: "send", text: "Thanks!" },
  ],
};

type Issue = { path: string; message: string };

describe("flow versions over the API", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
    const res = await stack.http(method, `/api/v1${path}`, body);
    const text = await res.text();
    return { status: res.status, text, body: (text ? JSON.parse(text) : null) as T };
  }
  async function twoVersions(): Promise<string> {
    const created = await api<{ id: string }>("POST", "/flows", v1);
    expect(created.status).toBe(201);
    expect((await api("PUT", `/flows/${created.body.id}`, v2)).status).toBe(201);
    return created.body.id;
  }

  it("diffs two versions: steps added, removed and changed with JSON paths and old/new values, trigger and top-level changes", async () => {
    const id = await twoVersions();
    const { status, body } = await api("GET", `/flows/${id}/diff?from=1&to=2`);
    expect(status).toBe(200);
    expect(body).toEqual({
      id,
      from: 1,
      to: 2,
      identical: false,
      steps: {
        added: [{ id: "tag", type: "contact.tag", index: 1 }],
        removed: [{ id: "old_step", type: "send", index: 2 }],
        changed: [
          {
            id: "ask_problem",
            type: "ask",
            index: 0,
            changes: [
              { path: "$.steps[0].text", change: "changed", old: "What's wrong?", new: "What went wrong?" },
              { path: "$.steps[0].next", change: "changed", old: "thanks", new: "tag" },
            ],
          },
        ],
        moved: [{ id: "thanks", fromIndex: 1, toIndex: 2 }],
      },
      trigger: [{ path: "$.trigger.keywords[1]", change: "added", new: "support" }],
      topLevel: [{ path: "$.name", change: "changed", old: "Support", new: "Support desk" }],
    });
    const same = await api<{ identical: boolean }>("GET", `/flows/${id}/diff?from=2&to=2`);
    expect(same.body.identical).toBe(true);
  });

  it("answers a diff of a version that does not exist with 404 and a bad query with 400", async () => {
    const id = await twoVersions();
    const missing = await api<{ error: { code: string; message: string } }>(
      "GET",
      `/flows/${id}/diff?from=1&to=9`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("has no version 9");
    expect((await api("GET", `/flows/${id}/diff?from=one&to=2`)).status).toBe(400);
    expect((await api("GET", `/flows/${id}/diff?to=2`)).status).toBe(400);
    expect((await api("GET", "/flows/flow_nope/diff?from=1&to=2")).status).toBe(404);
  });

  it("refuses an unknown waiting-runs policy and publishes nothing", async () => {
    const id = await twoVersions();
    const res = await api("POST", `/flows/${id}/publish`, { version: 2, waitingRuns: "teleport" });
    expect(res.status).toBe(400);
    const flow = await api<{ publishedVersion: number | null }>("GET", `/flows/${id}`);
    expect(flow.body.publishedVersion ?? null).toBeNull();
  });

  it("exports the same bytes for the same flow: stable key order, 2-space JSON, trailing newline; export → import → export is byte-equal", async () => {
    // The same flow written with its keys in another order.
    const scrambled = {
      steps: v2.steps.map((step) => Object.fromEntries(Object.entries(step).reverse())),
      trigger: { keywords: v2.trigger.keywords, channels: v2.trigger.channels, type: "message" },
      name: v2.name,
      schema: v2.schema,
      $schema: FLOW_JSON_SCHEMA_URL,
    };
    const a = await api<{ id: string }>("POST", "/flows", { $schema: FLOW_JSON_SCHEMA_URL, ...v2 });
    const b = await api<{ id: string }>("POST", "/flows", scrambled);
    const exportA = await api("GET", `/flows/${a.body.id}/export`);
    const exportB = await api("GET", `/flows/${b.body.id}/export`);
    expect(exportA.status).toBe(200);
    expect(exportA.text).toBe(exportB.text);
    expect(exportA.text.endsWith("}\n")).toBe(true);
    expect(
      exportA.text.startsWith(
        `{\n  "$schema": "${FLOW_JSON_SCHEMA_URL}",\n  "schema": "tern.flow/v1",\n  "name"`,
      ),
    ).toBe(true);
    expect(exportA.text).toContain('\n    {\n      "id": "ask_problem",\n      "type": "ask",\n      "text"');

    const reimported = await api<{ id: string }>("POST", "/flows", JSON.parse(exportA.text));
    const again = await api("GET", `/flows/${reimported.body.id}/export`);
    expect(again.text).toBe(exportA.text);
    // Ids are kept as written; the CLI writes the same bytes the server sends.
    expect(JSON.parse(again.text).steps.map((s: { id: string }) => s.id)).toEqual([
      "ask_problem",
      "tag",
      "thanks",
    ]);
    expect(canonicalFlowText(JSON.parse(exportA.text), stepRegistry)).toBe(exportA.text);
  });

  it("imports by id: a new id creates the flow with that id, the next import adds a version, a bad id is a 400", async () => {
    const first = await api<{ id: string; version: number }>("PUT", "/flows/support_desk", v1);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: "support_desk", version: 1 });
    const second = await api<{ id: string; version: number }>("PUT", "/flows/support_desk", v2);
    expect(second.body).toMatchObject({ id: "support_desk", version: 2 });
    // The same file again (a CI job re-importing flows/) stores nothing: 200, the latest version.
    const again = await api<{ id: string; version: number; unchanged?: boolean }>(
      "PUT",
      "/flows/support_desk",
      {
        ...v2,
      },
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: "support_desk", version: 2, unchanged: true });
    expect((await api<{ items: unknown[] }>("GET", "/flows/support_desk/versions")).body.items).toHaveLength(
      2,
    );
    // Any change is a new version, as before.
    const changed = await api<{ version: number }>("PUT", "/flows/support_desk", {
      ...v2,
      name: "Support desk 2",
    });
    expect(changed.status).toBe(201);
    expect(changed.body.version).toBe(3);
    const bad = await api<{ error: { code: string; message: string } }>("PUT", "/flows/has%20space", v1);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('use 1-100 letters, digits, "_" or "-"');
    expect((await api("GET", "/flows/has%20space")).status).toBe(404);
    // GET /flows/schema is the JSON Schema: a flow with that id could never be read (outside audit).
    const reserved = await api<{ error: { message: string } }>("PUT", "/flows/schema", v1);
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.message).toContain('(not "schema")');
    expect(
      (await api<{ items: Array<{ id: string }> }>("GET", "/flows")).body.items.map((f) => f.id),
    ).not.toContain("schema");
  });

  it("serves the flow JSON Schema at /api/v1/schema/flow.json without a token, and at the old path with one", async () => {
    const res = await fetch(`${stack.tern.url}/api/v1/schema/flow.json`);
    expect(res.status).toBe(200);
    const schema = (await res.json()) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain("$schema");
    expect(Object.keys(schema.properties)).toContain("layout");
    const old = await api("GET", "/flows/schema");
    expect(old.status).toBe(200);
    expect(old.body).toEqual(schema);
    expect((await fetch(`${stack.tern.url}/api/v1/flows/schema`)).status).toBe(401);
  });

  it("keeps the editor's layout through import and export; a bad layout is refused with a 422", async () => {
    const layout = { steps: { ask_problem: { x: 40, y: 0 }, thanks: { x: 40, y: 160 } } };
    const created = await api<{ id: string }>("POST", "/flows", { ...v1, layout });
    expect(created.status).toBe(201);
    const res = await fetch(`${stack.tern.url}/api/v1/flows/${created.body.id}/export`, {
      headers: { authorization: `Bearer ${stack.tern.dataDir.adminToken}` },
    });
    expect(JSON.parse(await res.text()).layout).toEqual(layout);
    const bad = await api<{ error: { message: string } }>("POST", "/flows", {
      ...v1,
      layout: { steps: { thanks: { x: "left", y: 0 } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain("$.layout.steps.thanks.x");
  });

  it("answers malformed requests to the public schema route with a 4xx, never a 5xx", async () => {
    const url = `${stack.tern.url}/api/v1/schema`;
    const tries: Array<[string, RequestInit]> = [
      [`${url}/flow.json?%E0%A4%A=1`, {}],
      [`${url}/%E0%A4%A`, {}],
      [`${url}/flow.json`, { method: "POST", body: "", headers: { "content-type": "application/json" } }],
      [`${url}/flow.json`, { method: "POST", body: "<x/>", headers: { "content-type": "application/xml" } }],
      [`${url}/flow.json`, { method: "PUT", body: "[1,", headers: { "content-type": "application/json" } }],
    ];
    for (const [target, init] of tries) {
      const res = await fetch(target, init);
      await res.arrayBuffer();
      // A query it does not read is ignored (200); anything else is refused, never a server error.
      expect(res.status, `${init.method ?? "GET"} ${target}`).toBeLessThan(500);
      if (init.method) expect(res.status, `${init.method} ${target}`).toBeGreaterThanOrEqual(400);
    }
    expect((await fetch(`${stack.tern.url}/healthz`)).status).toBe(200);
  });

  it("every shipped template names the schema in $schema and still validates", () => {
    const dir = templatePath("");
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json") && !n.endsWith(".test.json"))) {
      const flow = JSON.parse(readFileSync(templatePath(name), "utf8")) as Record<string, unknown>;
      expect(flow.$schema, name).toBe(FLOW_JSON_SCHEMA_URL);
      expect(validateFlow(flow, { steps: stepRegistry }).errors, name).toEqual([]);
    }
  });

  it("a channel type that does not exist or a connection that does not exist warns on import and is refused at publish", async () => {
    const flow = {
      ...v1,
      trigger: { type: "message", channels: ["whatsapp", "carrier_pigeon"] },
      steps: [
        {
          id: "create",
          type: "salesforce.create",
          connection: "nope",
          object: "Lead",
          fields: { LastName: "x", Company: "y" },
          next: "thanks",
        },
        { id: "thanks", type: "send", text: "Thanks!" },
      ],
    };
    const created = await api<{ id: string; warnings: Issue[] }>("POST", "/flows", flow);
    expect(created.status).toBe(201);
    const paths = created.body.warnings.map((w) => w.path);
    expect(paths).toEqual(expect.arrayContaining(["$.trigger.channels[1]", "$.steps[0].connection"]));
    const published = await api<{ error: { code: string; details: { errors: Issue[] } } }>(
      "POST",
      `/flows/${created.body.id}/publish`,
      {},
    );
    expect(published.status).toBe(422);
    expect(published.body.error.details.errors).toEqual([
      expect.objectContaining({
        path: "$.trigger.channels[1]",
        message: expect.stringContaining('channel type "carrier_pigeon" does not exist'),
      }),
      expect.objectContaining({
        path: "$.steps[0].connection",
        message: expect.stringContaining('no connection named "nope" exists; connections here: "salesforce"'),
      }),
    ]);
  });

  it("a trigger channel type with no channel set up yet publishes with a warning", async () => {
    const created = await api<{ id: string }>("POST", "/flows", {
      ...v1,
      trigger: { type: "message", channels: ["whatsapp", "viber"], keywords: ["hello"] },
    });
    const published = await api<{ warnings: Issue[] }>("POST", `/flows/${created.body.id}/publish`, {});
    expect(published.status).toBe(200);
    expect(published.body.warnings).toContainEqual(
      expect.objectContaining({
        path: "$.trigger.channels[1]",
        message: expect.stringContaining('no "viber" channel'),
      }),
    );
    // None of its channel types set up yet: still a warning (the channel may come next).
    const onlyViber = await api<{ id: string }>("POST", "/flows", {
      ...v1,
      trigger: { type: "message", channels: ["viber"] },
    });
    const early = await api<{ warnings: Issue[] }>("POST", `/flows/${onlyViber.body.id}/publish`, {});
    expect(early.status).toBe(200);
    expect(JSON.stringify(early.body.warnings)).toContain("the flow cannot start until one is added");
  });

  it("a draft saved over a live flow changes nothing live: of two flows matching a message, the one published last answers", async () => {
    const flow = (text: string) => ({
      schema: "tern.flow/v1",
      name: text,
      trigger: { type: "message", channels: ["whatsapp"], keywords: ["dup"] },
      steps: [{ id: "a", type: "send", text }],
    });
    const first = await api<{ id: string }>("POST", "/flows", flow("I am first"));
    expect((await api("POST", `/flows/${first.body.id}/publish`, {})).status).toBe(200);
    const second = await api<{ id: string }>("POST", "/flows", flow("I am second"));
    expect((await api("POST", `/flows/${second.body.id}/publish`, {})).status).toBe(200);
    const answer = async (from: string) => {
      await createCustomer(stack.sandbox, stack.setup.webhookUrl, from).say("dup");
      return (await eventually(async () => stack.sandbox.wa.sent.find((m) => m.to === from)))?.text;
    };
    expect(await answer("15550000050")).toBe("I am second");
    // A new draft of the first flow, not published.
    expect((await api("PUT", `/flows/${first.body.id}`, flow("I am first, changed"))).status).toBe(201);
    expect(await answer("15550000051")).toBe("I am second");
    // Publishing it makes it the one published last.
    expect((await api("POST", `/flows/${first.body.id}/publish`, {})).status).toBe(200);
    expect(await answer("15550000052")).toBe("I am first, changed");
  });

  it("unpublish stops new conversations while started runs finish on their version; delete takes only a flow nothing uses", async () => {
    const paused = {
      schema: "tern.flow/v1",
      name: "Pausable",
      trigger: { type: "message", channels: ["whatsapp"], keywords: ["pause"] },
      steps: [
        { id: "ask", type: "ask", text: "Pausable: your name?", save: "name", next: "bye" },
        { id: "bye", type: "send", text: "Pausable: bye {{ vars.name }}" },
      ],
    };
    const created = await api<{ id: string }>("POST", "/flows", paused);
    const id = created.body.id;
    expect((await api("POST", `/flows/${id}/publish`, {})).status).toBe(200);
    const textsTo = (from: string) => stack.sandbox.wa.sent.filter((m) => m.to === from).map((m) => m.text);
    const ada = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550000060");
    await ada.say("pause");
    await eventually(async () => textsTo(ada.from).includes("Pausable: your name?"));

    // A published flow is not deleted.
    const refused = await api<{ error: { code: string; message: string } }>("DELETE", `/flows/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`/flows/${id}/unpublish`);

    const unpublished = await api("POST", `/flows/${id}/unpublish`);
    expect(unpublished.status).toBe(200);
    expect(unpublished.body).toEqual({ id, previousVersion: 1, activeRuns: 1 });
    expect(
      (await api<{ publishedVersion: number | null }>("GET", `/flows/${id}`)).body.publishedVersion,
    ).toBeNull();

    // A new conversation no longer starts it (the catch-all lead flow answers instead)...
    const bo = createCustomer(stack.sandbox, stack.setup.webhookUrl, "15550000061");
    await bo.say("pause");
    await eventually(async () => textsTo(bo.from).length > 0);
    expect(textsTo(bo.from)).not.toContain("Pausable: your name?");
    // ...while the run already waiting finishes on its version.
    await ada.say("Ada");
    await eventually(async () => textsTo(ada.from).includes("Pausable: bye Ada"));

    // Its runs keep it: 409 naming them (the last reply leaves before the run's last persist
    // commits, so the run may still be finishing when the customer has it).
    const withRuns = await eventually(async () => {
      const res = await api<{ error: { message: string } }>("DELETE", `/flows/${id}`);
      return /\(1 completed\)/.test(res.body.error.message) ? res : null;
    });
    expect(withRuns.status).toBe(409);
    expect(withRuns.body.error.message).toMatch(/1 run\(s\) in its history \(1 completed\)/);

    // A draft nothing ever ran is deleted with its versions; its id answers 404 after.
    const draft = await api<{ id: string }>("POST", "/flows", { ...paused, name: "Draft" });
    expect((await api("PUT", `/flows/${draft.body.id}`, { ...paused, name: "Draft v2" })).status).toBe(201);
    const deleted = await stack.http("DELETE", `/api/v1/flows/${draft.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await api("GET", `/flows/${draft.body.id}`)).status).toBe(404);
    expect((await api("GET", `/flows/${draft.body.id}/versions`)).status).toBe(404);
    expect((await api("DELETE", `/flows/${draft.body.id}`)).status).toBe(404);
    expect((await api("POST", "/flows/flow_nope/unpublish")).status).toBe(404);
  });
});
