import type { ChannelSimulator } from "../channel-simulator.js";
import { messengerProduct } from "../meta-messaging/product.js";
import { type MetaMessagingSimulator, startMetaMessagingSimulator } from "../meta-messaging/simulator.js";

/** Messenger's Send API and a customer on Messenger (src/sandbox/meta-messaging/README.md). */
export function startMessengerSimulator(
  options: Parameters<typeof startMetaMessagingSimulator>[1] = {},
): Promise<MetaMessagingSimulator> {
  return startMetaMessagingSimulator(messengerProduct, options);
}

export const startMessengerChannelSimulator = (): Promise<ChannelSimulator> => startMessengerSimulator();
