export { startViberChannelSimulator, type ViberChannelSimulator } from "./channel-simulator.js";
export {
  startViberSimulator,
  type ViberSentMessage,
  type ViberSimulator,
  type ViberWebhook,
} from "./simulator.js";
export {
  callbackHeaders,
  createTokens,
  jsonWithToken,
  messageCallback,
  signBody,
  webhookCheckCallback,
} from "./webhooks.js";
