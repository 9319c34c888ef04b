import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * An outside audit: numeric query parameters read through `z.coerce.number()` took `?version=0x2`
 * for 2, `?limit=1e1` for 10 and `?limit=` for 0. Whole numbers in decimal digits only, else 400
 * naming the parameter and what to give.
 */
describe("numeric query parameters", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const routes = () => {
    const { flowId, flowVersion, channelId } = stack.setup;
    return [
      ["/api/v1/runs?limit=", "limit"],
      ["/api/v1/runs?flowVersion=", "flowVersion"],
      [`/api/v1/flows/${flowId}/stats?version=`, "version"],
      [`/api/v1/flows/${flowId}/export?version=`, "version"],
      [`/api/v1/flows/${flowId}/diff?from=${flowVersion}&to=`, "to"],
      ["/api/v1/contacts?limit=", "limit"],
      ["/api/v1/contacts?offset=", "offset"],
      [`/api/v1/channels/${channelId}/rejected-events?limit=`, "limit"],
      [`/api/v1/channels/${channelId}/messages?limit=`, "limit"],
    ] as const;
  };

  it("refuses hex, exponents, signs, points, spaces and empty values with 400", async () => {
    for (const [path, name] of routes()) {
      for (const bad of ["", "0x1", "1e0", "+1", "1.0", " 1", "1 ", "-1", "one", "%31%00"]) {
        const res = await stack.http("GET", `${path}${bad.startsWith("%") ? bad : encodeURIComponent(bad)}`);
        expect(res.status, `${path}${bad}`).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("BAD_REQUEST");
        expect(body.error.message, `${path}${bad}`).toContain(name);
      }
    }
    const res = await stack.http("GET", "/api/v1/runs?limit=1e1");
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "a whole number in decimal digits, from 1 to 500",
    );
  });

  it("takes decimal digits, leading zeros too", async () => {
    for (const [path] of routes()) {
      for (const good of ["1", "01"]) {
        const res = await stack.http("GET", `${path}${good}`);
        expect(res.status, `${path}${good}: ${await res.clone().text()}`).toBe(200);
      }
    }
  });
});
