import type { ChannelSimulator } from "../channel-simulator.js";
import { instagramProduct } from "../meta-messaging/product.js";
import { type MetaMessagingSimulator, startMetaMessagingSimulator } from "../meta-messaging/simulator.js";

/** Instagram messaging's Send API and a customer on Instagram (src/sandbox/meta-messaging/README.md). */
export function startInstagramSimulator(
  options: Parameters<typeof startMetaMessagingSimulator>[1] = {},
): Promise<MetaMessagingSimulator> {
  return startMetaMessagingSimulator(instagramProduct, options);
}

export const startInstagramChannelSimulator = (): Promise<ChannelSimulator> => startInstagramSimulator();
