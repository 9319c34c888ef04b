import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Publishing checks every Salesforce mapping against the org's describe (the emulator here):
 * a mapping the org would refuse at 2 a.m. is refused now, with the field named. The stack's own
 * setup already published the shipped lead template through the same check.
 */
type Issue = { path: string; message: string; stepId?: string; field?: string };
type ErrorBody = {
  error: { code: string; message: string; details: { errors: Issue[]; warnings: Issue[]; fields: string[] } };
};

const template = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8")) as {
  steps: Array<{ id: string; type: string; fields?: Record<string, unknown>; connection?: string }>;
};

/** The lead template with the Salesforce step's fields (and connection) changed. */
function leadFlow(change: (fields: Record<string, unknown>) => Record<string, unknown>, connection?: string) {
  const flow = structuredClone(template);
  for (const step of flow.steps) {
    if (step.type !== "salesforce.create" || !step.fields) continue;
    step.fields = change({ ...step.fields });
    if (connection) step.connection = connection;
  }
  return flow;
}

describe("flow publish checks Salesforce mappings", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  async function importFlow(flow: unknown): Promise<string> {
    const res = await stack.http("POST", "/api/v1/flows", flow);
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it("refuses to publish a Lead step that does not map Company, naming Company", async () => {
    const id = await importFlow(leadFlow(({ Company: _company, ...rest }) => rest));
    const res = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.code).toBe("FLOW_INVALID");
    expect(error.message).toContain(
      'Lead requires Company (Company) and the mapping does not set it: add "Company"',
    );
    expect(error.details.fields).toEqual(["Company"]);
    expect(error.details.errors).toEqual([
      expect.objectContaining({ path: "$.steps[2].fields", stepId: "create_lead", field: "Company" }),
    ]);
    const flow = (await (await stack.http("GET", `/api/v1/flows/${id}`)).json()) as {
      publishedVersion: unknown;
    };
    expect(flow.publishedVersion ?? null).toBeNull();
  });

  it("refuses to publish a mapping to a field the org does not have, naming it and the likely one", async () => {
    const id = await importFlow(
      leadFlow(({ Company, ...rest }) => ({ ...rest, Company, Compnay_Size: "{{ vars.size }}" })),
    );
    const res = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.message).toContain('Lead has no field "Compnay_Size"');
    expect(error.message).toContain("Custom fields end in __c");
    expect(error.details.errors.map((e) => [e.path, e.field])).toEqual([
      ["$.steps[2].fields.Compnay_Size", "Compnay_Size"],
    ]);
  });

  it("validate reports the same problems; validating twice costs no Salesforce API call until the connection changes", async () => {
    const flow = leadFlow((fields) => ({ ...fields, Rating: "Lukewarm" }));
    const used = stack.sandbox.sf.apiUsage;
    const first = await stack.http("POST", "/api/v1/flows/validate", flow);
    const second = await stack.http("POST", "/api/v1/flows/validate", flow);
    expect(stack.sandbox.sf.apiUsage).toBe(used);
    const body = (await first.json()) as { valid: boolean; errors: Issue[] };
    expect(await second.json()).toEqual(body);
    expect(body).toMatchObject({ valid: false, errors: [{ field: "Rating", stepId: "create_lead" }] });
    expect(body.errors[0]?.message).toContain('Use one of: "Hot", "Warm", "Cold"');

    // A changed connection gets a new runtime: its describe is fetched afresh, once.
    const patched = await stack.http("PATCH", `/api/v1/connections/${stack.setup.connectionId}`, {
      config: { apiVersion: "62.0" },
    });
    expect(patched.status).toBe(200);
    const before = stack.sandbox.sf.apiUsage;
    await stack.http("POST", "/api/v1/flows/validate", flow);
    await stack.http("POST", "/api/v1/flows/validate", flow);
    expect(stack.sandbox.sf.apiUsage - before).toBe(1);
  });

  it("refuses a loop that never waits at validate and publish; a loop with a way out only warns", async () => {
    const loop = {
      schema: "tern.flow/v1",
      name: "Loop",
      trigger: { type: "message", channels: ["whatsapp"], keywords: ["loop"] },
      steps: [
        { id: "a", type: "send", text: "hi", next: "b" },
        { id: "b", type: "set", vars: { x: 1 }, next: "a" },
      ],
    };
    const validated = (await (await stack.http("POST", "/api/v1/flows/validate", loop)).json()) as {
      valid: boolean;
      errors: Issue[];
    };
    const expected = expect.objectContaining({
      path: "$.steps[0]",
      stepId: "a",
      message: expect.stringContaining(
        "steps a → b → a loop without a step that waits: a run entering them never stops",
      ),
    });
    expect(validated).toMatchObject({ valid: false, errors: [expected] });
    // A draft may be stored; publishing it is refused.
    const id = await importFlow(loop);
    const refused = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorBody).error.details.errors).toEqual([expected]);

    const retry = {
      ...loop,
      steps: [
        { id: "a", type: "set", vars: { n: "{{ vars.n | plus: 1 }}" }, next: "b" },
        {
          id: "b",
          type: "branch",
          conditions: [{ when: { left: "vars.n", op: "lt", right: 3 }, next: "a" }],
        },
      ],
    };
    const published = await stack.http("POST", `/api/v1/flows/${await importFlow(retry)}/publish`);
    expect(published.status).toBe(200);
    expect(((await published.json()) as { warnings: Issue[] }).warnings).toEqual([
      expect.objectContaining({ stepId: "a", message: expect.stringContaining("after 100 steps") }),
    ]);
  });

  it("checks a handoff's Case connection and fields, and the fields a find reads, at validate and publish", async () => {
    const flow = (steps: unknown[]) => ({
      schema: "tern.flow/v1",
      name: "Agent",
      trigger: { type: "message", channels: ["whatsapp"], keywords: ["agent"] },
      steps,
    });
    const handoff = (connection: string, fields: Record<string, unknown>) =>
      flow([{ id: "agent", type: "handoff", text: "Connecting you…", case: { connection, fields } }]);

    const missing = handoff("nope", { Subject: "Help" });
    const imported = await stack.http("POST", "/api/v1/flows", missing);
    expect(((await imported.json()) as { warnings: Issue[] }).warnings).toContainEqual(
      expect.objectContaining({ path: "$.steps[0].case.connection", stepId: "agent" }),
    );
    const id = await importFlow(missing);
    const refused = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorBody).error.details.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[0].case.connection",
        message: expect.stringContaining('no connection named "nope" exists'),
      }),
    ]);

    const misspelt = (await (
      await stack.http("POST", "/api/v1/flows/validate", handoff("salesforce", { Subjct: "Help" }))
    ).json()) as { valid: boolean; errors: Issue[] };
    expect(misspelt).toMatchObject({
      valid: false,
      errors: [{ path: "$.steps[0].case.fields.Subjct", stepId: "agent", field: "Subjct" }],
    });
    expect(misspelt.errors[0]?.message).toContain('Did you mean "Subject"?');

    const find = flow([
      {
        id: "lookup",
        type: "salesforce.find",
        connection: "salesforce",
        object: "Contact",
        where: [{ field: "Phon", value: "{{ contact.phone }}" }],
      },
    ]);
    const found = (await (await stack.http("POST", "/api/v1/flows/validate", find)).json()) as {
      errors: Issue[];
    };
    expect(found.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[0].where[0].field",
        field: "Phon",
        message: expect.stringContaining('Did you mean "Phone"?'),
      }),
    ]);
  });

  it("refuses to publish a Salesforce step whose connection is another type (found by an outside audit)", async () => {
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "crm-api",
      config: { auth: "basic", baseUrl: "https://crm.example.com/api", username: "tern", password: "s3cret" },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const id = await importFlow(leadFlow((fields) => fields, "crm-api"));
    const refused = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorBody).error.details.errors).toContainEqual(
      expect.objectContaining({
        path: "$.steps[2].connection",
        message: expect.stringContaining(
          'connection "crm-api" is a http connection; this step needs a salesforce one',
        ),
      }),
    );
  });

  it("tells each of concurrent publishes the version published before it (found by an outside audit)", async () => {
    const id = await importFlow(leadFlow((fields) => fields));
    // Each publish checks the mapping against the org first (slow), then commits.
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await stack.http("POST", `/api/v1/flows/${id}/publish`);
        expect(res.status).toBe(200);
        return ((await res.json()) as { previousVersion: number | null }).previousVersion;
      }),
    );
    expect(answers.filter((v) => v === null)).toHaveLength(1);
    expect(answers.filter((v) => v === 1)).toHaveLength(9);
  });

  it("never answers a publish and a delete of one flow both as done (found by an outside audit)", async () => {
    // The publish checks against the org first (slow) while the delete commits: one of them must lose.
    for (let i = 0; i < 5; i++) {
      const id = await importFlow(leadFlow((fields) => fields));
      const [published, deleted] = await Promise.all([
        stack.http("POST", `/api/v1/flows/${id}/publish`),
        stack.http("DELETE", `/api/v1/flows/${id}`),
      ]);
      const flow = await stack.http("GET", `/api/v1/flows/${id}`);
      if (deleted.status === 204) {
        expect(published.status).toBe(404);
        expect(((await published.json()) as ErrorBody).error.code).toBe("FLOW_NOT_FOUND");
        expect(flow.status).toBe(404);
      } else {
        expect([published.status, deleted.status]).toEqual([200, 409]);
        expect(((await flow.json()) as { publishedVersion: number }).publishedVersion).toBe(1);
      }
    }
  });

  it("stores one file imported by several clients at once as one version (found by an outside audit)", async () => {
    const put = (id: string, text: string) =>
      Promise.all(
        Array.from({ length: 6 }, () =>
          stack.http("PUT", `/api/v1/flows/${id}`, {
            schema: "tern.flow/v1",
            name: "imported",
            trigger: { type: "api" },
            steps: [{ id: "s", type: "send", text }],
          }),
        ),
      );
    // A new id, then a changed file for it: each stored once, the other imports unchanged.
    for (const [text, version] of [
      ["first", 1],
      ["second", 2],
    ] as const) {
      const answers = await put("imported-at-once", text);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      for (const res of answers) expect(((await res.json()) as { version: number }).version).toBe(version);
    }
    const versions = (await (await stack.http("GET", "/api/v1/flows/imported-at-once/versions")).json()) as {
      items: unknown[];
    };
    expect(versions.items).toHaveLength(2);
  });

  it("publishes with a warning when the connection cannot be reached", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const creds = stack.sandbox.sf.credentials;
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "salesforce",
      name: "unreachable",
      config: { ...creds, loginUrl: `http://127.0.0.1:${closedPort}` },
    });
    expect(created.status).toBe(201);
    const id = await importFlow(leadFlow(({ Company: _c, ...rest }) => rest, "unreachable"));
    const res = await stack.http("POST", `/api/v1/flows/${id}/publish`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { publishedVersion: number; warnings: Issue[] };
    expect(body.publishedVersion).toBe(1);
    // The stack's own lead flow is published with the same trigger: a $.trigger warning says so.
    expect(body.warnings.filter((w) => w.path !== "$.trigger")).toEqual([
      expect.objectContaining({
        path: "$.steps[2]",
        stepId: "create_lead",
        message: expect.stringContaining("not checked against its connection (Couldn't reach Salesforce"),
      }),
    ]);
    expect(JSON.stringify(body)).not.toContain(creds.clientSecret);
    expect(JSON.stringify(body)).not.toContain(creds.refreshToken);
  });
});
