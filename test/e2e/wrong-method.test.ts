import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * A path that exists under other methods answers 405 with `Allow` (RFC 9110 §15.5.6 makes the
 * header a must), so a client that used the wrong method learns which ones the path takes
 * instead of being told the path does not exist. Nothing is changed.
 */
describe("a wrong method on an existing path", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const expect405 = async (res: Response, allow: string) => {
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("METHOD_NOT_ALLOWED");
    return body.error.message;
  };

  it("on an admin route: 405 naming the methods it takes, and the flows are unchanged", async () => {
    const before = await (await stack.http("GET", "/api/v1/flows")).json();
    const message = await expect405(await stack.http("DELETE", "/api/v1/flows"), "GET, HEAD, POST");
    expect(message).toBe("DELETE is not allowed on /api/v1/flows; it takes GET, HEAD, POST.");
    expect(await (await stack.http("GET", "/api/v1/flows")).json()).toEqual(before);
  });

  it("never repeats a flow webhook's token in a 405 or a 404 (found by an OpenAPI audit)", async () => {
    const { url } = (await (
      await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/webhook`)
    ).json()) as {
      url: string;
    };
    const { pathname } = new URL(url);
    const token = pathname.split("/").at(-1) as string;
    const message = await expect405(await fetch(`${stack.tern.url}${pathname}`), "POST");
    expect(message).toBe(`GET is not allowed on /hooks/flows/${stack.setup.flowId}/<token>…; it takes POST.`);
    const missing = await fetch(`${stack.tern.url}${pathname}/more`, { method: "POST" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain(token);
  });

  it("on a route with a parameter and on the public health routes", async () => {
    await expect405(
      await stack.http("PUT", `/api/v1/channels/${stack.setup.channelId}`, { name: "x" }),
      "DELETE, GET, HEAD, PATCH",
    );
    await expect405(await stack.http("POST", "/healthz"), "GET, HEAD");
  });

  it("on a webhook URL: 405 with Allow: GET, POST", async () => {
    await expect405(await stack.http("PUT", `/webhooks/${stack.setup.channelId}`, {}), "GET, POST");
  });

  it("a path no route has is still 404, whatever the method", async () => {
    for (const method of ["GET", "PUT"]) {
      const res = await stack.http(method, "/api/v1/no-such-thing");
      expect(res.status).toBe(404);
      expect(res.headers.get("allow")).toBeNull();
    }
  });
});
