export { startVonageChannelSimulator, type VonageChannelSimulator } from "./channel-simulator.js";
export { startVonageSimulator, type VonageSimulator, type VonageSms } from "./simulator.js";
export {
  inboundParams,
  newMessageId,
  receiptParams,
  signedWebhook,
  type VonageWebhookMethod,
} from "./webhooks.js";
