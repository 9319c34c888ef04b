export { startRcsChannelSimulator } from "./channel-simulator.js";
export {
  checkAssertion,
  type RcsSend,
  type RcsSimulator,
  startRcsSimulator,
  validateAgentMessage,
} from "./simulator.js";
export {
  rcsEventRequest,
  userEvent,
  userSuggestionResponse,
  userTextMessage,
  webhookCheckBody,
} from "./webhooks.js";
