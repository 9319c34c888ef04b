import { z } from "zod";

/**
 * Shapes of RBM webhooks as far as Tern reads them; objects are not strict (Google adds fields).
 * Every event arrives as a Pub/Sub push message whose `data` is the base64 of a UserMessage,
 * UserEvent or ServerEvent; the webhook's setup check is `{clientToken, secret}`.
 * https://developers.google.com/business-communications/rcs-business-messaging/guides/integrate/webhooks
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/UserMessage
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/UserEvent
 */
export const RcsEnvelope = z.object({
  message: z.object({
    data: z.string(),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

/** The POST Google makes when the webhook is configured: answer 200 with `secret` as the body. */
export const RcsWebhookCheck = z.object({ clientToken: z.string(), secret: z.string() });

export const RcsUserMessage = z.object({
  senderPhoneNumber: z.string().min(1),
  messageId: z.string().min(1),
  sendTime: z.string().optional(),
  agentId: z.string().optional(),
  text: z.string().optional(),
  suggestionResponse: z
    .object({ postbackData: z.string().optional(), text: z.string().optional(), type: z.string().optional() })
    .optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  userFile: z
    .object({
      payload: z.object({
        mimeType: z.string().optional(),
        fileUri: z.string(),
        fileName: z.string().optional(),
      }),
    })
    .optional(),
});

export const RcsUserEvent = z.object({
  senderPhoneNumber: z.string().min(1),
  eventType: z.string(),
  eventId: z.string().optional(),
  messageId: z.string().optional(),
  sendTime: z.string().optional(),
  agentId: z.string().optional(),
});

export const RcsServerEvent = z.object({
  phoneNumber: z.string().min(1),
  messageId: z.string().min(1),
  eventType: z.string(),
  eventId: z.string().optional(),
  sendTime: z.string().optional(),
  agentId: z.string().optional(),
});
