import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzRuns, hostileKey } from "../helpers/fuzz.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * The Try it routes with the built-in sandbox ON (the OpenAPI fuzz of every admin route,
 * admin-routes.test.ts, runs with it off, where they stop at 409 SANDBOX_OFF): generated bodies
 * for POST /sandbox/try and /sandbox/messages, and customer ids for the conversation route,
 * answer 202/200 or a 4xx with an error code, never a 5xx.
 */
let stack: BuiltInSandboxStack;

beforeAll(async () => {
  stack = await startBuiltInSandboxStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const channel = fc.oneof(
  fc.constantFrom("whatsapp", "telegram", "twilio", "line", "viber"),
  fc.string({ maxLength: 20 }),
);
const customer = fc.oneof(
  fc.stringMatching(/^[1-9]\d{6,14}$/),
  fc.string({ maxLength: 140 }),
  fc.constantFrom("", "+15551234567", "../../etc", "%00", "U".repeat(200)),
);
const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(hostileKey, fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const expectSane = async (res: Response, what: string) => {
  const text = await res.text();
  expect(res.status, `${what} -> ${res.status} ${text}`).toBeLessThan(500);
  if (res.status >= 400) expect(text, what).toMatch(/"code":"[A-Z_]+"/);
};

describe("fuzz: Try it routes with the sandbox on", () => {
  it("POST /sandbox/try never answers a 5xx", async () => {
    const flowId = fc.oneof(fc.constant(stack.flowId), fc.string({ maxLength: 40 }), anyValue);
    const body = fc.record(
      {
        flowId,
        version: fc.oneof(fc.integer({ min: -2, max: 3 }), anyValue),
        channel: fc.oneof(channel, anyValue),
        from: fc.oneof(customer, anyValue),
        name: fc.oneof(fc.string({ maxLength: 120 }), anyValue),
      },
      { requiredKeys: [] },
    );
    const extra = fc.dictionary(hostileKey, anyValue, { maxKeys: 2 });
    await fc.assert(
      fc.asyncProperty(body, extra, fc.boolean(), async (b, more, withExtra) => {
        const sent = withExtra ? { ...b, ...more } : b;
        await expectSane(await stack.http("POST", "/api/v1/sandbox/try", sent), JSON.stringify(sent));
      }),
      fuzzRuns(60),
    );
  }, 60_000);

  it("POST /sandbox/messages and GET /sandbox/conversations/:from never answer a 5xx", async () => {
    const body = fc.record(
      {
        channel: fc.oneof(channel, anyValue),
        from: fc.oneof(customer, anyValue),
        text: fc.oneof(fc.string({ maxLength: 50 }), anyValue),
        choice: fc.oneof(fc.string({ maxLength: 50 }), anyValue),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, customer, channel, async (b, from, type) => {
        await expectSane(await stack.http("POST", "/api/v1/sandbox/messages", b), JSON.stringify(b));
        const url = `/api/v1/sandbox/conversations/${encodeURIComponent(from)}?channel=${encodeURIComponent(type)}`;
        await expectSane(await stack.http("GET", url), url);
      }),
      fuzzRuns(60),
    );
  }, 60_000);
});
