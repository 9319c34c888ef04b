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
