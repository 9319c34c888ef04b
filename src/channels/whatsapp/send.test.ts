import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { createHttpFetch } from "../../core/http-fetch.js";
import { startWhatsAppSimulator, type WhatsAppSimulator } from "../../sandbox/whatsapp/index.js";
import type { OutboundMessage } from "../channel.js";
import { whatsappChannel } from "./index.js";
import { buildSendBody, LIST_BUTTON_LABEL } from "./send.js";

let sim: WhatsAppSimulator;
const deps = { fetch: globalThis.fetch };

beforeAll(async () => {
  sim = await startWhatsAppSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearSent();
});

/** A loopback port nothing listens on (connecting to it is refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function sendError(message: OutboundMessage, config = sim.config): Promise<AppError> {
  return sendWith(deps.fetch, message, config);
}

async function sendWith(fetch: FetchLike, message: OutboundMessage, config = sim.config): Promise<AppError> {
  try {
    await whatsappChannel.send(message, config, { fetch });
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected send to fail");
}

describe("send", () => {
  it("sends a text message in Meta's format and returns the wamid", async () => {
    const result = await whatsappChannel.send(
      { to: "+16315551181", text: "Thanks! What is your email?", correlationId: "run_1:step_2" },
      sim.config,
      deps,
    );
    expect(result.providerMessageId).toMatch(/^wamid\./);
    const [sent] = await sim.waitForSent(1);
    expect(sent?.wamid).toBe(result.providerMessageId);
    expect(sent?.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "16315551181",
      type: "text",
      text: { preview_url: false, body: "Thanks! What is your email?" },
      biz_opaque_callback_data: "run_1:step_2",
    });
  });

  it("sends up to three short choices as reply buttons", async () => {
    const choices = [
      { id: "small", title: "1-10" },
      { id: "mid", title: "11-50" },
      { id: "large", title: "More than 50" },
    ];
    await whatsappChannel.send(
      { to: "16315551181", text: "How big is your team?", choices },
      sim.config,
      deps,
    );
    const [sent] = await sim.waitForSent(1);
    expect(sent?.type).toBe("interactive");
    expect(sent?.choices).toEqual(choices);
    expect(sent?.body.interactive).toEqual({
      type: "button",
      body: { text: "How big is your team?" },
      action: { buttons: choices.map((c) => ({ type: "reply", reply: c })) },
    });
  });

  it("sends four to ten choices as a list", async () => {
    const choices = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, title: `Option number ${i + 1}` }));
    await whatsappChannel.send({ to: "16315551181", text: "Pick a product", choices }, sim.config, deps);
    const [sent] = await sim.waitForSent(1);
    expect(sent?.body.interactive).toEqual({
      type: "list",
      body: { text: "Pick a product" },
      action: { button: LIST_BUTTON_LABEL, sections: [{ rows: choices }] },
    });
    expect(sent?.choices).toEqual(choices);
  });

  it("uses a list when a button title is longer than 20 characters", () => {
    const body = buildSendBody({
      to: "16315551181",
      text: "Which?",
      choices: [{ id: "a", title: "A title of 22 letters!" }],
    });
    expect(body.interactive).toMatchObject({ type: "list" });
  });

  it("degrades more than ten choices to numbered text", async () => {
    const choices = Array.from({ length: 11 }, (_, i) => ({ id: `c${i}`, title: `Choice ${i + 1}` }));
    await whatsappChannel.send({ to: "16315551181", text: "Pick one", choices }, sim.config, deps);
    const [sent] = await sim.waitForSent(1);
    expect(sent?.type).toBe("text");
    expect(sent?.text).toBe(`Pick one\n\n${choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n")}`);
  });

  it("sends to a business-scoped user id through the recipient field", async () => {
    await whatsappChannel.send({ to: "US.13491208655302741918", text: "Hi" }, sim.config, deps);
    const [sent] = await sim.waitForSent(1);
    expect(sent?.body).toMatchObject({ recipient: "US.13491208655302741918" });
    expect(sent?.body).not.toHaveProperty("to");
  });

  it("refuses text longer than 4096 characters before calling WhatsApp", async () => {
    const error = await sendError({ to: "16315551181", text: "x".repeat(4097) });
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "never" });
    expect(sim.sent).toHaveLength(0);
  });
});

describe("send errors", () => {
  it("maps an invalid token to 'get a new token' without leaking the token", async () => {
    const config = { ...sim.config, accessToken: "EAAG-wrong-token" };
    const error = await sendError({ to: "16315551181", text: "Hi" }, config);
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "never" });
    expect(error.message).toMatch(/access token is invalid or expired/);
    expect(error.message).not.toContain("EAAG-wrong-token");
    expect(error.details).toMatchObject({ httpStatus: 401, graphCode: 190 });
  });

  it("reports an unknown phone number id as a parameter error", async () => {
    const error = await sendError({ to: "16315551181", text: "Hi" }, { ...sim.config, phoneNumberId: "999" });
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "never" });
    expect(error.details).toMatchObject({ graphCode: 100 });
  });

  it("explains a closed 24-hour window (131047)", async () => {
    sim.failNext(1, { code: 131047, message: "Re-engagement message" }, 400);
    const error = await sendError({ to: "16315551181", text: "Hi" });
    expect(error.retry).toBe("never");
    expect(error.message).toMatch(/24 hours/);
  });

  it.each([
    [130429, 1_000],
    [131056, 6_000],
    [80007, 60_000],
  ])("asks to retry later on rate limit %i", async (code, afterMs) => {
    sim.failNext(1, { code, message: "Rate limit hit" }, 400);
    const error = await sendError({ to: "16315551181", text: "Hi" });
    expect(error.retry).toEqual({ afterMs });
  });

  it("marks undeliverable messages (131026) as permanent", async () => {
    sim.failNext(1, { code: 131026, message: "Message undeliverable" }, 400);
    expect((await sendError({ to: "16315551181", text: "Hi" })).retry).toBe("never");
  });

  it("retries server errors with the default policy", async () => {
    sim.failNext(1, { code: 1, message: "An unknown error has occurred." }, 500);
    const error = await sendError({ to: "16315551181", text: "Hi" });
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "default" });
    expect(error.details).toMatchObject({ httpStatus: 500 });
  });

  it("does not retry a permission error Meta answers with HTTP 500 (code 3)", async () => {
    sim.failNext(1, { code: 3, message: "(#3) Capability or permissions issue." }, 500);
    const error = await sendError({ to: "16315551181", text: "Hi" });
    expect(error.retry).toBe("never");
    expect(error.message).toMatch(/permission/);
  });

  it("treats an unexplained 4xx as permanent", async () => {
    sim.failNext(1, { code: 123456, message: "Something specific" }, 400);
    const error = await sendError({ to: "16315551181", text: "Hi" });
    expect(error.retry).toBe("never");
    expect(error.message).toContain("Something specific");
  });

  it("retries a refused connection with the default policy, as certainly not sent", async () => {
    const error = await sendError(
      { to: "16315551181", text: "Hi" },
      { ...sim.config, apiBaseUrl: `http://127.0.0.1:${await closedPort()}` },
    );
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "default" });
    expect(error.details).toMatchObject({ outcome: "not_sent" });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("marks the outcome unknown when the connection is cut after the request was written", async () => {
    sim.dropNext(1, { afterAccept: true });
    const error = await sendWith(createHttpFetch(), { to: "16315551181", text: "Hi", correlationId: "k" });
    expect(error).toMatchObject({ code: "CHANNEL_SEND_FAILED", retry: "default" });
    expect(error.details).toMatchObject({ outcome: "unknown" });
    expect(error.message).toContain("may have been sent");
  });

  it("marks the outcome unknown when the API does not answer in time", async () => {
    sim.holdResponses();
    const fetch = createHttpFetch({ timeoutMs: 100 });
    const error = await sendWith(fetch, { to: "16315551181", text: "Hi" });
    sim.releaseResponses();
    expect(error.details).toMatchObject({ outcome: "unknown" });
    expect(error.message).toContain("within 100 ms");
  });

  it("never puts the access token in a network error", async () => {
    const config = { ...sim.config, apiBaseUrl: "http://127.0.0.1:1" };
    const error = await sendError({ to: "16315551181", text: "Hi" }, config);
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain(config.accessToken);
  });
});
