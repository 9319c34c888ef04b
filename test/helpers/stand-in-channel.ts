import { z } from "zod";
import { type ChannelDefinition, defineChannel, type OutboundMessage } from "../../src/channels/channel.js";

/**
 * A channel for the outbox tests (src/queue/effects*.test.ts): its `send` does what the test
 * says, failing the way an adapter reports it; `echoesCorrelation` as a channel whose statuses
 * carry the correlation id back (WhatsApp) or one that echoes nothing.
 */
export function standInChannel(
  send: (message: OutboundMessage) => Promise<{ providerMessageId: string }>,
  echoesCorrelation: boolean,
): ChannelDefinition {
  return defineChannel({
    type: "test",
    title: "Test",
    config: z.object({}),
    secretFields: [],
    capabilities: {
      echoesCorrelation,
      maxTextLength: 4096,
      media: [],
      templates: false,
      statuses: echoesCorrelation,
    },
    verify: () => {},
    parse: () => ({ batches: [], rejected: [] }),
    send: (message) => send(message),
  });
}
