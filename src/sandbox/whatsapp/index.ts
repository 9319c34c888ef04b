export {
  type SentMessage,
  type SimulatorOptions,
  type StatusDelivery,
  startWhatsAppSimulator,
  type WhatsAppSimulator,
} from "./simulator.js";
export { type ParsedSend, validateSend } from "./validate.js";
export {
  buildInteractiveReplyWebhook,
  buildLocationWebhook,
  buildMediaWebhook,
  buildStatusWebhook,
  buildTemplateButtonWebhook,
  buildTextWebhook,
  type CustomerOptions,
  DEFAULT_PHONE_NUMBER_ID,
  newWamid,
  postWebhook,
  type StatusOptions,
  signWebhook,
  type WebhookBody,
} from "./webhooks.js";
