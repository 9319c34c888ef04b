import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * An outside audit deleted and renamed a connection that a published flow calls: both answered
 * 2xx, the flow stayed published, its live runs failed at the step and re-publishing the same
 * version was refused ("no connection named …"). Like DELETE /flows/:id, both now answer 409
 * naming the published flows (and versions) that use it.
 */
describe("a connection used by a published flow", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  let n = 0;
  async function connection(): Promise<{ id: string; name: string }> {
    const name = `crm-${n++}`;
    const res = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name,
      config: { auth: "bearer", baseUrl: "https://crm.example.com/api", token: "s3cret" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return { id: ((await res.json()) as { id: string }).id, name };
  }

  /** Creates a flow whose http step calls the connection; publishes it unless told not to. */
  async function flowUsing(connectionName: string, options: { publish?: boolean } = {}) {
    const step = { id: "call", type: "http", method: "GET", url: "/orders", connection: connectionName };
    const created = await stack.http("POST", "/api/v1/flows", {
      schema: "tern.flow/v1",
      name: `uses ${connectionName}`,
      trigger: { type: "message", channels: ["whatsapp"], keywords: [`kw${n++}`] },
      steps: [step],
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id, version } = (await created.json()) as { id: string; version: number };
    if (options.publish !== false) {
      const published = await stack.http("POST", `/api/v1/flows/${id}/publish`, { version });
      expect(published.status, await published.clone().text()).toBe(200);
    }
    return { id, version };
  }

  it("refuses its DELETE with 409 naming the flow and version; nothing is deleted", async () => {
    const conn = await connection();
    const flow = await flowUsing(conn.name);
    const res = await stack.http("DELETE", `/api/v1/connections/${conn.id}`);
    expect(res.status).toBe(409);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("CONFLICT");
    expect(body.error.message).toContain(`"${flow.id}" (version ${flow.version})`);
    expect(body.error.details).toEqual({ flows: [{ id: flow.id, version: flow.version }] });
    expect((await stack.http("GET", `/api/v1/connections/${conn.id}`)).status).toBe(200);

    // Unpublished, the connection is free to go.
    expect((await stack.http("POST", `/api/v1/flows/${flow.id}/unpublish`)).status).toBe(200);
    expect((await stack.http("DELETE", `/api/v1/connections/${conn.id}`)).status).toBe(204);
  });

  it("refuses a rename with 409; other changes and the same name again are taken", async () => {
    const conn = await connection();
    const flow = await flowUsing(conn.name);
    const res = await stack.http("PATCH", `/api/v1/connections/${conn.id}`, { name: `${conn.name}-new` });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.message).toContain(
      `"${flow.id}" (version ${flow.version})`,
    );
    const kept = (await (await stack.http("GET", `/api/v1/connections/${conn.id}`)).json()) as {
      name: string;
    };
    expect(kept.name).toBe(conn.name);
    const changed = await stack.http("PATCH", `/api/v1/connections/${conn.id}`, {
      name: conn.name,
      config: { token: "rotated" },
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    // The flow still publishes as it was: its connection is there under its name.
    expect(
      (await stack.http("POST", `/api/v1/flows/${flow.id}/publish`, { version: flow.version })).status,
    ).toBe(200);
  });

  it("is not held by a flow that uses it only in an unpublished version", async () => {
    const conn = await connection();
    await flowUsing(conn.name, { publish: false });
    expect(
      (await stack.http("PATCH", `/api/v1/connections/${conn.id}`, { name: `${conn.name}-x` })).status,
    ).toBe(200);
    expect((await stack.http("DELETE", `/api/v1/connections/${conn.id}`)).status).toBe(204);
  });
});
