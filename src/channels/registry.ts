import { birdChannel } from "./bird/index.js";
import type { ChannelDefinition } from "./channel.js";
import { instagramChannel } from "./instagram/index.js";
import { lineChannel } from "./line/index.js";
import { messengerChannel } from "./messenger/index.js";
import { rcsChannel } from "./rcs/index.js";
import { telegramChannel } from "./telegram/index.js";
import { twilioChannel } from "./twilio/index.js";
import { viberChannel } from "./viber/index.js";
import { vonageChannel } from "./vonage/index.js";
import { wechatChannel } from "./wechat/index.js";
import { whatsappChannel } from "./whatsapp/index.js";

/** Every channel type Tern knows. The server and the worker look channels up only here. */
export const channelTypes = {
  whatsapp: whatsappChannel,
  messenger: messengerChannel,
  instagram: instagramChannel,
  telegram: telegramChannel,
  viber: viberChannel,
  line: lineChannel,
  wechat: wechatChannel,
  twilio: twilioChannel,
  vonage: vonageChannel,
  bird: birdChannel,
  rcs: rcsChannel,
} as const;

export type ChannelType = keyof typeof channelTypes;

export function getChannelDefinition(type: string): ChannelDefinition | undefined {
  return Object.hasOwn(channelTypes, type)
    ? (channelTypes[type as ChannelType] as ChannelDefinition)
    : undefined;
}
