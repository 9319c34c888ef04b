import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * `curl -X POST …/publish` sends no body and no content type; other clients send an empty body
 * with `content-type: application/json`. Both mean "no body": routes whose body is optional
 * must work, routes that need one answer 400 saying so.
 */
const noBody = { name: "no body, no content type", headers: {} as Record<string, string> };
const emptyJson = { name: "empty body as application/json", headers: { "content-type": "application/json" } };

describe("optional request bodies", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${stack.tern.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.tern.dataDir.adminToken}`, ...headers },
      ...(body === undefined ? {} : { body }),
    });

  for (const variant of [noBody, emptyJson]) {
    const body = variant === emptyJson ? "" : undefined;

    it(`publishes the latest version on POST /flows/:id/publish with ${variant.name}`, async () => {
      const flow = (await (await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}/export`)).json()) as {
        name: string;
      };
      const added = (await (
        await stack.http("PUT", `/api/v1/flows/${stack.setup.flowId}`, { ...flow, name: `${flow.name} +` })
      ).json()) as { version: number };
      const res = await call("POST", `/flows/${stack.setup.flowId}/publish`, variant.headers, body);
      expect(res.status, await res.clone().text()).toBe(200);
      const current = (await (await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}`)).json()) as {
        publishedVersion: number;
      };
      expect(current.publishedVersion).toBe(added.version);
    });

    it(`tests a connection on POST /connections/:id/test with ${variant.name}`, async () => {
      const res = await call("POST", `/connections/${stack.setup.connectionId}/test`, variant.headers, body);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true });
    });

    it(`deletes a channel and a connection with ${variant.name}`, async () => {
      const channel = (await (
        await stack.http("POST", "/api/v1/channels", {
          type: "whatsapp",
          name: `doomed ${variant.name}`,
          config: { ...stack.sandbox.wa.config, phoneNumberId: "555000555" },
        })
      ).json()) as { id: string };
      const connection = (await (
        await stack.http("POST", "/api/v1/connections", {
          type: "salesforce",
          name: `doomed ${variant.name}`,
          config: {
            loginUrl: stack.sandbox.sf.credentials.loginUrl,
            clientId: stack.sandbox.sf.credentials.clientId,
            clientSecret: stack.sandbox.sf.credentials.clientSecret,
            refreshToken: stack.sandbox.sf.credentials.refreshToken,
          },
        })
      ).json()) as { id: string };
      expect((await call("DELETE", `/channels/${channel.id}`, variant.headers, body)).status).toBe(204);
      expect((await call("DELETE", `/connections/${connection.id}`, variant.headers, body)).status).toBe(204);
      expect((await stack.http("GET", `/api/v1/channels/${channel.id}`)).status).toBe(404);
      expect((await stack.http("GET", `/api/v1/connections/${connection.id}`)).status).toBe(404);
    });

    it(`answers GET routes the same with ${variant.name}`, async () => {
      for (const path of ["/flows", "/channels", "/connections", "/runs", "/contacts"]) {
        const res = await call("GET", path, variant.headers, variant === emptyJson ? undefined : body);
        expect(res.status, path).toBe(200);
      }
    });

    it(`answers 400 saying a body is needed where one is required, with ${variant.name}`, async () => {
      const required: Array<[string, string]> = [
        ["POST", "/flows"],
        ["POST", "/flows/validate"],
        ["PUT", `/flows/${stack.setup.flowId}`],
        ["POST", "/channels"],
        ["PATCH", `/channels/${stack.setup.channelId}`],
        ["POST", "/connections"],
        ["PATCH", `/connections/${stack.setup.connectionId}`],
        ["POST", "/sandbox/messages"],
      ];
      for (const [method, path] of required) {
        const res = await call(method, path, variant.headers, body);
        expect(res.status, `${method} ${path}`).toBe(400);
        const error = ((await res.json()) as { error: { code: string; message: string } }).error;
        expect(error.code, `${method} ${path}`).toBe("BAD_REQUEST");
        expect(error.message, `${method} ${path}`).toMatch(/body is required/i);
      }
    });
  }

  it("is documented as optional in the OpenAPI document exactly where a route takes no body (found by an OpenAPI audit)", async () => {
    type Op = { requestBody?: { required?: boolean } };
    const doc = (await (await stack.http("GET", "/api/docs/json")).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    const hook = (await (await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/webhook`)).json()) as {
      token: string;
    };
    const ids: Record<string, string> = {
      id: stack.setup.flowId,
      token: hook.token,
      from: "15550001234",
    };
    const optional: string[] = [];
    // The flow's webhook first: POST /flows/{id}/webhook below rotates its token.
    const paths = Object.entries(doc.paths).sort(
      ([a], [b]) => Number(b.startsWith("/hooks/")) - Number(a.startsWith("/hooks/")),
    );
    for (const [template, ops] of paths) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody) continue;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "x");
        const res = await fetch(`${stack.tern.url}${path}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${stack.tern.dataDir.adminToken}`, ...emptyJson.headers },
          body: "",
        });
        const isRequired = /body is required/i.test(await res.text());
        const key = `${method.toUpperCase()} ${template}`;
        expect(op.requestBody.required ?? false, key).toBe(isRequired);
        if (!isRequired) optional.push(key);
      }
    }
    expect(optional).toEqual(
      expect.arrayContaining([
        "POST /api/v1/flows/{id}/publish",
        "POST /api/v1/flows/{id}/webhook",
        "POST /api/v1/runs/{id}/release",
      ]),
    );
  });

  it("still publishes a given version from a JSON body", async () => {
    const res = await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/publish`, {
      version: stack.setup.flowVersion,
    });
    expect(res.status).toBe(200);
    const current = (await (await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}`)).json()) as {
      publishedVersion: number;
    };
    expect(current.publishedVersion).toBe(stack.setup.flowVersion);
  });

  it("still answers malformed JSON with 400", async () => {
    const res = await call("POST", `/flows/${stack.setup.flowId}/publish`, emptyJson.headers, "{nope");
    expect(res.status).toBe(400);
  });
});
