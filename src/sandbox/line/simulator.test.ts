import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LineSimulator, startLineSimulator } from "./simulator.js";

/** The simulator answers as LINE documents: https://developers.line.biz/en/reference/messaging-api/#status-codes */
describe("LINE simulator", () => {
  let sim: LineSimulator;
  beforeEach(async () => {
    sim = await startLineSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const push = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/v2/bot/message/push`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${sim.config.channelAccessToken}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it("refuses a wrong token with 401 and a body it cannot read with LINE's {message, details}", async () => {
    const unauthorized = await push({}, { authorization: "Bearer nope" });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toHaveProperty("message");
    const invalid = await push({ to: "nobody", messages: [{ type: "text", text: "" }] });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      message: "The request body has 2 error(s)",
      details: [
        { property: "to", message: "The value is not a valid ID" },
        { property: "messages[0].text", message: "May not be empty" },
      ],
    });
    expect(sim.pushes).toEqual([]);
  });

  it("accepts a retry key once; the repeat answers 409 with the accepted request id", async () => {
    const body = { to: `U${"a".repeat(32)}`, messages: [{ type: "text", text: "Hi" }] };
    const key = { "x-line-retry-key": "123e4567-e89b-12d3-a456-426614174000" };
    const first = await push(body, key);
    expect(first.status).toBe(200);
    const { sentMessages } = (await first.json()) as { sentMessages: Array<{ id: string }> };
    const again = await push(body, key);
    expect(again.status).toBe(409);
    expect(again.headers.get("x-line-accepted-request-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(await again.json()).toMatchObject({ sentMessages: [{ id: sentMessages[0]?.id }] });
    expect((await push(body, { "x-line-retry-key": "not-a-uuid" })).status).toBe(400);
    expect(sim.pushes).toHaveLength(1);
  });
});
