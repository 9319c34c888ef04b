import { request } from "../../api/client";

/** The sandbox routes Try it uses (OpenAPI: /api/docs, tag "sandbox"). */

export type SandboxStatus =
  | { isOn: true; channelTypes: string[]; flowId: string | null }
  | {
      isOn: false;
      /** The API's own words (an ISO time in them). */
      reason: string;
      /** Why: a channel or connection of yours exists, it stepped aside for one since deleted, or TERN_SANDBOX=off. */
      cause?: "yours" | "stepped-aside" | "off";
      /** When it stepped aside (ms since epoch). */
      steppedAsideAt?: number | null;
    };

export type ChoiceStyle = "buttons" | "list" | "inline_keyboard" | "keyboard" | "quick_replies";

/** What Tern sent the customer. */
export interface ReceivedMessage {
  text: string;
  choices?: string[];
  choiceStyle?: ChoiceStyle;
  at: string;
}

/** What the customer sent (typed, or `choice`: the title of a tapped button). */
export interface SaidMessage {
  text: string;
  choice?: string;
  at: string;
}

export interface Conversation {
  channel: string;
  received: ReceivedMessage[];
  said: SaidMessage[];
}

export interface TryStarted {
  runId: string;
  flowId: string;
  flowVersion: number;
  channel: string;
  from: string;
}

const enc = encodeURIComponent;

export const sandboxApi = {
  status: () => request("GET", "/sandbox"),
  start: (body: { flowId: string; version: number; channel: string; from?: string }) =>
    request("POST", "/sandbox/try", body),
  say: (channel: string, from: string, message: { text: string } | { choice: string }) =>
    request("POST", "/sandbox/messages", { channel, from, ...message }),
  conversation: (channel: string, from: string) =>
    request("GET", `/sandbox/conversations/${enc(from)}`, undefined, { channel }),
};

/** How each simulated channel is named in the picker. */
export const CHANNEL_TITLES: Record<string, string> = {
  whatsapp: "WhatsApp",
  messenger: "Messenger",
  instagram: "Instagram",
  telegram: "Telegram",
  viber: "Viber",
  line: "LINE",
  wechat: "WeChat",
  twilio: "SMS (Twilio)",
  vonage: "SMS (Vonage)",
  bird: "SMS (Bird)",
  rcs: "RCS",
};
