export { startTwilioChannelSimulator, type TwilioChannelSimulator } from "./channel-simulator.js";
export { startTwilioSimulator, type TwilioMessage, type TwilioSimulator } from "./simulator.js";
export { inboundForm, newSid, signedGetRequest, signedRequest, statusForm } from "./webhooks.js";
