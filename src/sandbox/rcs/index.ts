export { startRcsChannelSimulator } from "./channel-simulator.js";
export { type RcsSend, type RcsSimulator, startRcsSimulator } from "./simulator.js";
export { checkAssertion, type Suggestion, validateAgentMessage } from "./validate.js";
export {
  rcsEventRequest,
  userEvent,
  userSuggestionResponse,
  userTextMessage,
  webhookCheckBody,
} from "./webhooks.js";
