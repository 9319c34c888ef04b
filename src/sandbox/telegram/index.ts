export { startTelegramChannelSimulator, type TelegramChannelSimulator } from "./channel-simulator.js";
export {
  startTelegramSimulator,
  type TelegramSentMessage,
  type TelegramSimulator,
  type TelegramWebhook,
} from "./simulator.js";
export { callbackUpdate, contactUpdate, createUpdateIds, textUpdate, webhookHeaders } from "./webhooks.js";
