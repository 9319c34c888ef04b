import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChannelStack, playLeadConversation, startChannelStack } from "../helpers/channel-stack.js";

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
    const { confirmation, leads } = await playLeadConversation(env, from);
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
  });
});
