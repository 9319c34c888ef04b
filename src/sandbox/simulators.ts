import type { ChannelSimulator } from "./channel-simulator.js";
import { startTelegramChannelSimulator } from "./telegram/channel-simulator.js";
import { startViberChannelSimulator } from "./viber/channel-simulator.js";
import { startWhatsAppChannelSimulator } from "./whatsapp/channel-simulator.js";

/** Every channel type's sandbox simulator (src/sandbox/<type>/), by channel type. */
export const channelSimulators: Record<string, () => Promise<ChannelSimulator>> = {
  whatsapp: startWhatsAppChannelSimulator,
  telegram: startTelegramChannelSimulator,
  viber: startViberChannelSimulator,
};
