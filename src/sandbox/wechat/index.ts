export { startWeChatChannelSimulator } from "./channel-simulator.js";
export { startWeChatSimulator, type WeChatCustomSend, type WeChatSimulator } from "./simulator.js";
export { DEFAULT_ORIGINAL_ID, newMsgId, type SignedCallback, signCallback, textXml } from "./webhooks.js";
