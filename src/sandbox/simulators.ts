import type { ChannelSimulator } from "./channel-simulator.js";

/**
 * Every channel type's sandbox simulator (src/sandbox/<type>/), by channel type. Each loads on
 * first use: a server with the sandbox off never needs them, and their request validators are
 * schemas built when their module loads.
 */
export const channelSimulators: Record<string, () => Promise<ChannelSimulator>> = {
  whatsapp: async () => (await import("./whatsapp/channel-simulator.js")).startWhatsAppChannelSimulator(),
  line: async () => (await import("./line/channel-simulator.js")).startLineChannelSimulator(),
  wechat: async () => (await import("./wechat/channel-simulator.js")).startWeChatChannelSimulator(),
  messenger: async () => (await import("./messenger/index.js")).startMessengerChannelSimulator(),
  instagram: async () => (await import("./instagram/index.js")).startInstagramChannelSimulator(),
  telegram: async () => (await import("./telegram/channel-simulator.js")).startTelegramChannelSimulator(),
  viber: async () => (await import("./viber/channel-simulator.js")).startViberChannelSimulator(),
  twilio: async () => (await import("./twilio/channel-simulator.js")).startTwilioChannelSimulator(),
  vonage: async () => (await import("./vonage/channel-simulator.js")).startVonageChannelSimulator(),
  bird: async () => (await import("./bird/channel-simulator.js")).startBirdChannelSimulator(),
  rcs: async () => (await import("./rcs/channel-simulator.js")).startRcsChannelSimulator(),
};
