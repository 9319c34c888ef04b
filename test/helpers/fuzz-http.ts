import { expect } from "vitest";
import { type RawAnswer, type RawPart, rawExchange, requestBytes } from "./raw-exchange.js";
import type { SpawnedStack } from "./spawned-stack.js";

/**
 * Assertions shared by the HTTP fuzz properties: the process is alive and `/healthz` answers
 * after every input, and a malformed request got a 4xx (a response, not a 5xx or a silent close).
 */
export async function expectUp(stack: SpawnedStack, after: string): Promise<void> {
  expect(
    stack.isAlive(),
    `the Tern process exited after ${after}:\n${stack.tern().output().slice(-3_000)}`,
  ).toBe(true);
  const health = await rawExchange(stack.port, [requestBytes("GET", "/healthz")], 5_000);
  expect(health.status, `/healthz after ${after}`).toBe(200);
}

export function expect4xx(answer: RawAnswer, what: string): void {
  if (answer.refusedMidRequest) return; // refused before it was all sent; liveness is checked apart
  expect(answer.status, `${what} answered:\n${answer.text.slice(0, 500)}`).not.toBeNull();
  expect(answer.status, `${what} answered:\n${answer.text.slice(0, 500)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what} answered:\n${answer.text.slice(0, 500)}`).toBeLessThan(500);
}

export function expectNo5xx(answer: RawAnswer, what: string): void {
  if (answer.refusedMidRequest) return; // refused before it was all sent; liveness is checked apart
  expect(answer.status, `${what} got no answer:\n${answer.text.slice(0, 500)}`).not.toBeNull();
  expect(answer.status, `${what} answered:\n${answer.text.slice(0, 500)}`).toBeLessThan(500);
}

/** Short printable description of a request for failure messages (bodies can be 300 KB). */
export function describeRequest(parts: RawPart[]): string {
  const bytes = Buffer.concat(
    parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.isBuffer(p) ? p : Buffer.alloc(0))),
  );
  // The admin token is a secret even in a test log.
  const text = JSON.stringify(bytes.subarray(0, 400).toString("latin1")).replace(
    /(authorization: Bearer )\S+?(\\r)/i,
    "$1<token>$2",
  );
  return bytes.length > 400 ? `${text}… (${bytes.length} bytes)` : text;
}
