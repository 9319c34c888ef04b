export { startBirdChannelSimulator } from "./channel-simulator.js";
export { type BirdSend, type BirdSimulator, startBirdSimulator, validateSend } from "./simulator.js";
export { phoneOf, signBirdRequest, signMessageBirdJwt, smsInboundBody, smsOutboundBody } from "./webhooks.js";
