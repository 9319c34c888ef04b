import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fuzzRuns } from "../helpers/fuzz.js";
import { describeRequest, expect4xx, expectNo5xx, expectUp } from "../helpers/fuzz-http.js";
import { bodyFor, contentTypeFor, type Operation, operationsOf, targetFor } from "../helpers/openapi-fuzz.js";
import { type RawAnswer, rawExchange, requestBytes } from "../helpers/raw-exchange.js";
import { type SpawnedStack, startSpawnedStack } from "../helpers/spawned-stack.js";

/**
 * Every admin route, enumerated from the OpenAPI document at /api/docs/json (a new route is
 * fuzzed the day it is added), against a real `tern serve` process with a valid admin token.
 * Malformed input gets a 4xx, never a 5xx; the process stays up. Without the token, nothing
 * but a 4xx comes back.
 */
const RUNS_PER_ROUTE = 20;

describe("fuzz: every admin route from the OpenAPI document", () => {
  let stack: SpawnedStack;
  let operations: Operation[];
  beforeAll(async () => {
    stack = await startSpawnedStack();
    const doc = await (await fetch(`${stack.url}/api/docs/json`)).json();
    // The public flow webhook is in the document too; public-routes.test.ts tries it.
    operations = operationsOf(doc as Parameters<typeof operationsOf>[0]).filter((o) =>
      o.path.startsWith("/api/v1/"),
    );
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.ensureUp();
  }, 60_000);

  const send = (
    op: Operation,
    target: string,
    body: Buffer | undefined,
    ct: string | undefined,
    token?: string,
  ) => {
    const headers: Record<string, string | number> = {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(ct === undefined ? {} : { "content-type": ct }),
      ...(body === undefined ? {} : { "content-length": body.length }),
    };
    const request = requestBytes(op.method, target, headers, body ?? "");
    return { request, answer: rawExchange(stack.port, [request], 5_000) };
  };

  /** A 502 from `POST /connections/:id/test` is Salesforce's answer relayed, not a failure of Tern. */
  const isRelayedUpstreamError = (op: Operation, answer: RawAnswer) =>
    op.path.endsWith("/test") &&
    answer.status === 502 &&
    /"code":"(SALESFORCE_[A-Z_]+|NETWORK_ERROR)"/.test(answer.text);

  it("finds the admin API in the OpenAPI document", () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /api/v1/connections",
        "POST /api/v1/channels",
        "POST /api/v1/flows",
        "POST /api/v1/flows/{id}/publish",
        "GET /api/v1/runs",
        "GET /api/v1/contacts/{id}",
      ]),
    );
    expect(names.every((n) => n.includes(" /api/v1/"))).toBe(true);
  });

  // Hundreds of requests, each followed by a liveness check: ~12 s on an idle machine, past the
  // default 30 s on CI's two cores shared with another test file.
  it(`never answers a 5xx on any admin route, with the token (${RUNS_PER_ROUTE} generated inputs per route, then ${RUNS_PER_ROUTE / 2} per GET route again)`, async () => {
    const known = [stack.setup.channelId, stack.setup.connectionId, stack.setup.flowId];
    // Field values that get a body past its lookups (a run for the stack's channel and a number).
    const values = [...known, "whatsapp", "+4915112345678", "4915112345678"];
    const fuzz = async (op: Operation, runs: number) => {
      // Deleting the stack's own resources would leave the other routes only 404s to answer.
      const ids = op.method === "DELETE" ? [] : known;
      await fc.assert(
        fc.asyncProperty(
          targetFor(op, ids),
          bodyFor(op.body, values),
          contentTypeFor,
          async (target, body, ct) => {
            const { request, answer } = send(op, target, body, ct ?? "application/json", stack.adminToken);
            const result = await answer;
            const what = `${op.method} ${op.path} as ${describeRequest([request])}`;
            if (!isRelayedUpstreamError(op, result)) expectNo5xx(result, what);
            await expectUp(stack, what);
          },
        ),
        fuzzRuns(runs, { shrink: false }),
      );
    };
    // Wrong sign-ins lock the address out for a while (429 on every route): the session goes last.
    const isSession = (o: Operation) => o.path === "/api/v1/session";
    for (const op of operations.filter((o) => !isSession(o))) await fuzz(op, RUNS_PER_ROUTE);
    // Read back what the writes stored (runs with hostile vars, contacts with hostile names):
    // a value stored fine can still break the statement that reads it.
    for (const op of operations.filter((o) => o.method === "GET" && !isSession(o)))
      await fuzz(op, RUNS_PER_ROUTE / 2);
    for (const op of operations.filter(isSession)) await fuzz(op, RUNS_PER_ROUTE);
  }, 120_000);

  it(`answers every admin route with a 4xx without a valid token (${RUNS_PER_ROUTE / 2} generated inputs per route)`, async () => {
    const token = fc.constantFrom(undefined, "", "wrong", `${"x".repeat(10_000)}`, "Bearer", "\u00ff\u00fe");
    // The browser sign-in is public by design (signing out of no session is a 204); the public
    // surface's fuzz (public-routes.test.ts) covers it.
    for (const op of operations.filter((o) => o.path !== "/api/v1/session")) {
      await fc.assert(
        fc.asyncProperty(
          targetFor(op, [stack.setup.flowId]),
          bodyFor(op.body),
          token,
          async (target, body, t) => {
            const { request, answer } = send(op, target, body, "application/json", t);
            const result = await answer;
            expect4xx(result, `${op.method} ${op.path} as ${describeRequest([request])}`);
          },
        ),
        fuzzRuns(RUNS_PER_ROUTE / 2, { shrink: false }),
      );
    }
    await expectUp(stack, "requests without a token");
  });

  // An outside audit: `/api/v1/runs?flowId=%ZZ` listed runs with 200 (the value read literally)
  // while a bad path was a 400. Every admin route, with the token and without.
  it("answers a query string that is not valid percent-encoding with 400 on every admin route", async () => {
    for (const op of operations) {
      // Nothing runs: the request is refused before its route's hooks and handler.
      const path = op.path.replace(/\{[^}]+\}/g, stack.setup.flowId);
      for (const query of ["?flowId=%ZZ", "?limit=1&x=%E0%A4%A", "?%"]) {
        for (const token of [stack.adminToken, undefined]) {
          const body = op.method === "GET" || op.method === "DELETE" ? undefined : Buffer.from("{}");
          const { request, answer } = send(op, `${path}${query}`, body, body && "application/json", token);
          const got = await answer;
          expect(got.status, describeRequest([request])).toBe(400);
          expect(got.text, describeRequest([request])).toContain(
            "query string is not valid percent-encoding",
          );
        }
      }
    }
  });

  it("treats an optional body sent as nothing like an empty object, on every POST route whose body has no required field", async () => {
    // Issue 5, finding 2: `curl -X POST .../publish` (no body) answered 400 "expected object, received null".
    const optional = operations.filter(
      (o) => o.method === "POST" && o.body?.type === "object" && (o.body.required ?? []).length === 0,
    );
    expect(optional.map((o) => o.path)).toContain("/api/v1/flows/{id}/publish");
    for (const op of optional) {
      const target = op.path.replace(/\{[^}]+\}/g, stack.setup.flowId);
      const asObject = await send(op, target, Buffer.from("{}"), "application/json", stack.adminToken).answer;
      const variants: Array<[Buffer | undefined, string | undefined]> = [
        [undefined, undefined],
        [Buffer.alloc(0), undefined],
        [Buffer.alloc(0), "application/json"],
      ];
      for (const [body, ct] of variants) {
        const { request, answer } = send(op, target, body, ct, stack.adminToken);
        const result = await answer;
        expect(result.status, `${describeRequest([request])}:\n${result.text.slice(0, 600)}`).toBe(
          asObject.status,
        );
      }
    }
  });
});
