export { startLineChannelSimulator } from "./channel-simulator.js";
export { type LinePush, type LineSimulator, startLineSimulator } from "./simulator.js";
export { type ParsedPush, validatePush } from "./validate.js";
export {
  callbackBody,
  DEFAULT_DESTINATION,
  lineUserId,
  newWebhookEventId,
  postbackEvent,
  signLineBody,
  textEvent,
} from "./webhooks.js";
