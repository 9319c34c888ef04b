import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChannelStack, startChannelStack } from "../helpers/channel-stack.js";

describe("WhatsApp end to end through the common channel simulator", () => {
  let env: ChannelStack;
  beforeEach(async () => {
    env = await startChannelStack("whatsapp");
  });
  afterEach(async () => {
    await env.close();
  });

  it("a signed webhook in → the lead template → a Lead, and the reply captured at the simulator", async () => {
    const from = "447700900321";
    expect((await env.sim.say(env.webhookUrl, { from, text: "Hi" })).status).toBe(200);
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    await env.sim.say(env.webhookUrl, { from, text: "Navy" });
    const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
  });
});
