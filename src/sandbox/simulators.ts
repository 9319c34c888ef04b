import { startBirdChannelSimulator } from "./bird/channel-simulator.js";
import type { ChannelSimulator } from "./channel-simulator.js";
import { startInstagramChannelSimulator } from "./instagram/index.js";
import { startLineChannelSimulator } from "./line/channel-simulator.js";
import { startMessengerChannelSimulator } from "./messenger/index.js";
import { startRcsChannelSimulator } from "./rcs/channel-simulator.js";
import { startTelegramChannelSimulator } from "./telegram/channel-simulator.js";
import { startTwilioChannelSimulator } from "./twilio/channel-simulator.js";
import { startViberChannelSimulator } from "./viber/channel-simulator.js";
import { startVonageChannelSimulator } from "./vonage/channel-simulator.js";
import { startWeChatChannelSimulator } from "./wechat/channel-simulator.js";
import { startWhatsAppChannelSimulator } from "./whatsapp/channel-simulator.js";

/** Every channel type's sandbox simulator (src/sandbox/<type>/), by channel type. */
export const channelSimulators: Record<string, () => Promise<ChannelSimulator>> = {
  whatsapp: startWhatsAppChannelSimulator,
  line: startLineChannelSimulator,
  wechat: () => startWeChatChannelSimulator(),
  messenger: startMessengerChannelSimulator,
  instagram: startInstagramChannelSimulator,
  telegram: startTelegramChannelSimulator,
  viber: startViberChannelSimulator,
  twilio: startTwilioChannelSimulator,
  vonage: startVonageChannelSimulator,
  bird: startBirdChannelSimulator,
  rcs: startRcsChannelSimulator,
};
