import { describe, expect, it } from "vitest";
import type { ChannelDefinition, WebhookRequest } from "../channels/channel.js";
import { computeSignature } from "../channels/meta/signature.js";
import { channelTypes } from "../channels/registry.js";
import type { ResolvedChannel } from "../services/integrations.js";
import { siblingOfDeleted } from "./deleted-channel-sibling.js";

/** Real Meta definitions whose signature checks are counted. */
function counted(type: "whatsapp" | "messenger" | "instagram", counter: { n: number }) {
  const real = channelTypes[type] as ChannelDefinition;
  return {
    ...real,
    verify: (req: WebhookRequest, config: unknown) => {
      counter.n += 1;
      real.verify(req, config);
    },
  } as ChannelDefinition;
}

function delivery(body: string, secret: string): WebhookRequest {
  return {
    method: "POST",
    url: "https://tern.example.com/webhooks/ch_gone",
    headers: { "x-hub-signature-256": computeSignature(body, secret) },
    query: {},
    rawBody: Buffer.from(body),
  } as unknown as WebhookRequest;
}

describe("a delivery to a deleted Meta channel's URL", () => {
  const counter = { n: 0 };
  const channel = (type: "whatsapp" | "messenger", i: number, appSecret: string): ResolvedChannel => ({
    id: `ch_${type}_${i}`,
    name: `${type} ${i}`,
    definition: counted(type, counter),
    config: { appSecret },
  });
  // One app's six WhatsApp numbers and three Pages, and a second app's number.
  const channels = [
    ...Array.from({ length: 6 }, (_, i) => channel("whatsapp", i, "app-one")),
    ...Array.from({ length: 3 }, (_, i) => channel("messenger", i, "app-one")),
    channel("whatsapp", 9, "app-two"),
  ];
  const integrations = {
    channelsOfType: async (type: string) => channels.filter((c) => c.definition.type === type),
  };

  it("is taken by a channel of the type its object names, signed by the same app", async () => {
    counter.n = 0;
    const sibling = await siblingOfDeleted(integrations, delivery('{"object":"page","entry":[]}', "app-one"));
    expect(sibling?.definition.type).toBe("messenger");
    // One HMAC for the app, however many of its channels are looked at.
    expect(counter.n).toBe(1);
  });

  it("costs a stranger's body one signature check per app, not one per channel, and finds none", async () => {
    counter.n = 0;
    const body = JSON.stringify({ object: "whatsapp_business_account", pad: "x".repeat(100_000) });
    expect(await siblingOfDeleted(integrations, delivery(body, "not-an-app-of-ours"))).toBeNull();
    expect(counter.n).toBe(2);
  });
});
