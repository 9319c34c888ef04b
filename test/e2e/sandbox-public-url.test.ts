import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/in-process.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * Behind a reverse proxy TERN_PUBLIC_URL names the proxy, which the server itself often cannot
 * reach (no hairpin route, a name only outside resolves). The sandbox posted its customers'
 * webhooks to that URL: every message was answered 503 "Send it again shortly", forever, and
 * nothing was logged. It signs them for the public URL, as the providers do, and posts them to
 * Tern's own address.
 */
let stack: BuiltInSandboxStack;
beforeAll(async () => {
  stack = await startBuiltInSandboxStack({ TERN_PUBLIC_URL: "https://tern.invalid" });
});
afterAll(async () => {
  await stack?.close();
});

interface Conversation {
  received: Array<{ text: string }>;
}

describe("the sandbox with a TERN_PUBLIC_URL this machine cannot reach", () => {
  // WhatsApp signs the body; Twilio and Bird sign the public URL too.
  it.each(["whatsapp", "twilio", "bird"])("plays a customer on %s: stored, answered", async (channel) => {
    const from = "15557654321";
    const said = await stack.http("POST", "/api/v1/sandbox/messages", { channel, from, text: "Hi" });
    expect(said.status, await said.clone().text()).toBe(202);
    const received = await eventually(
      async () => {
        const res = await stack.http("GET", `/api/v1/sandbox/conversations/${from}?channel=${channel}`);
        const got = ((await res.json()) as Conversation).received;
        return got.length > 0 ? got : null;
      },
      10_000,
      `the greeting on ${channel}`,
    );
    expect(received[0]?.text).toContain("What's your name?");
  });
});
