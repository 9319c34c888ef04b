import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import type { ViberChannelSimulator } from "../../src/sandbox/viber/index.js";
import { type ChannelStack, startChannelStack } from "../helpers/channel-stack.js";

const template = JSON.parse(readFileSync(templatePath("viber-case.json"), "utf8")) as unknown;

describe("the Viber → Case template end to end", () => {
  let env: ChannelStack | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("a Viber complaint opens one Case with Origin Viber, and the CaseNumber is sent back to the customer", async () => {
    env = await startChannelStack("viber", { flow: template });
    const { sim, webhookUrl } = env;
    const from = "pttm25kSGUo1919sBORWyA==";
    await sim.say(webhookUrl, { from, text: "Hello?", name: "Grace Hopper" });
    const greeting = await sim.waitForSent((s) => s.to === from && s.text.includes("what's the problem"));
    expect(greeting.text).toContain("Hi Grace Hopper");
    await sim.say(webhookUrl, { from, text: "My printer prints blank pages", name: "Grace Hopper" });
    await sim.waitForSent((s) => s.to === from && s.text.includes("order number"));
    await sim.say(webhookUrl, { from, text: "Order 4711, since Monday", name: "Grace Hopper" });
    await sim.waitForSent((s) => s.to === from && s.text.includes("phone number"));
    await sim.say(webhookUrl, { from, text: "+44 20 7946 0958", name: "Grace Hopper" });
    const confirmation = await sim.waitForSent((s) => s.to === from && s.text.includes("opened case"));

    const cases = env.stack.sandbox.sf.records("Case");
    expect(cases).toHaveLength(1);
    const kase = cases[0];
    expect(kase).toMatchObject({
      Subject: "My printer prints blank pages",
      Origin: "Viber",
      SuppliedName: "Grace Hopper",
      SuppliedPhone: "+442079460958",
      Status: "New",
    });
    expect(String(kase?.Description)).toContain("Order 4711, since Monday");
    expect(String(kase?.CaseNumber)).toMatch(/^\d{8}$/);
    expect(confirmation.text).toContain(`We've opened case ${String(kase?.CaseNumber)} for you.`);
    // The confirmation went out through send_message, as Viber takes it.
    const exact = (sim as ViberChannelSimulator).provider.sent.find(
      (m) => m.messageToken === confirmation.providerMessageId,
    );
    expect(exact).toMatchObject({
      path: "/pa/send_message",
      headers: { "x-viber-auth-token": sim.config.authToken },
      body: {
        receiver: from,
        min_api_version: 1,
        type: "text",
        sender: { name: sim.config.senderName },
        text: confirmation.text,
      },
    });
  });
});
