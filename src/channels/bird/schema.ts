import { z } from "zod";

/**
 * Bird webhook shapes as far as Tern reads them; objects are not strict (Bird adds fields).
 * Envelope `{service, event, payload}`; `payload` is a channel message object.
 * https://docs.bird.com/api/channels-api/message-status-and-interactions and
 * https://docs.bird.com/api/channels-api/supported-channels/programmable-sms/receiving-messages
 */
export const BirdEnvelope = z.object({
  service: z.string().optional(),
  event: z.string(),
  payload: z.unknown(),
});

const Identifier = z.object({
  identifierKey: z.string().optional(),
  identifierValue: z.string().min(1),
});

export const BirdInbound = z.object({
  id: z.string().min(1),
  channelId: z.string().optional(),
  sender: z.object({ contact: Identifier.extend({ annotations: z.unknown().optional() }) }),
  body: z.object({ type: z.string() }).loose(),
  createdAt: z.string().optional(),
});

export const BirdOutbound = z.object({
  id: z.string().min(1),
  channelId: z.string().optional(),
  receiver: z.object({ contacts: z.array(Identifier).min(1) }),
  status: z.string(),
  reference: z.string().optional(),
  reason: z.string().optional(),
  details: z.string().optional(),
  failure: z
    .object({
      code: z.union([z.number(), z.string()]).optional(),
      description: z.string().optional(),
    })
    .loose()
    .optional(),
  lastStatusAt: z.string().optional(),
  createdAt: z.string().optional(),
});

export const BirdTextBody = z.object({ text: z.object({ text: z.string() }) });
