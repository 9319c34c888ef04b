import { z } from "zod";

/**
 * Webhook payload shapes for the `messages` field, as far as Tern reads them. Objects are not
 * strict: Meta adds fields (pricing, conversation, BSUID fields…) and those must not break parsing.
 * Shapes: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples and
 * Secreto31126/whatsapp-api-js test/payloads/v25/*.json.
 */

/** Meta sends unix seconds as a string; accept a number too. */
const UnixSeconds = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);

export const WaContact = z.object({
  profile: z.object({ name: z.string().optional(), username: z.string().optional() }).optional(),
  wa_id: z.string().optional(),
  /** Business-scoped user id (2026 usernames); present even when wa_id is not. */
  user_id: z.string().optional(),
});
export type WaContact = z.infer<typeof WaContact>;

export const WaMessage = z.object({
  id: z.string().min(1),
  timestamp: UnixSeconds,
  /** The customer's wa_id (phone digits). May be absent for users with a username (BSUID change). */
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  type: z.string().min(1),
  context: z.object({ id: z.string().optional(), from: z.string().optional() }).optional(),
});
export type WaMessage = z.infer<typeof WaMessage> & Record<string, unknown>;

/** A `contacts` message: the cards the customer shared. */
export const WaSharedContacts = z.array(
  z.object({
    name: z.object({ formatted_name: z.string().optional() }).optional(),
    phones: z.array(z.object({ phone: z.string().optional() })).optional(),
  }),
);

/** An `order` message: the cart, and the note the customer wrote with it. */
export const WaOrder = z.object({ text: z.string().optional() });

export const WaStatusError = z.object({
  code: z.union([z.number(), z.string()]),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

export const WaStatus = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: UnixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(WaStatusError).optional(),
});
export type WaStatus = z.infer<typeof WaStatus>;

export const WaChangeValue = z.object({
  messaging_product: z.string().optional(),
  /** The business phone number the events are addressed to: the server routes on it. */
  metadata: z.object({ phone_number_id: z.string().optional() }).optional(),
  // Items are validated one by one in parse.ts, so one odd item cannot drop its siblings.
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  /** System, app or account problems Meta reports outside any message ("errors" webhook). */
  errors: z.array(z.unknown()).optional(),
});

export const WaChange = z.object({ field: z.string(), value: z.unknown() });
export const WaEntry = z.object({ id: z.string().optional(), changes: z.array(z.unknown()) });

/** Only this much must hold for the delivery to be read at all; entries are checked one by one. */
export const WaWebhook = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.unknown()),
});

// Content of the message types Tern understands.
export const WaText = z.object({ body: z.string() });
export const WaMedia = z.object({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});
export const WaLocation = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
  address: z.string().optional(),
});
const WaReply = z.object({ id: z.string(), title: z.string() });
export const WaInteractive = z.object({
  type: z.string(),
  button_reply: WaReply.optional(),
  list_reply: WaReply.optional(),
});
/** Quick-reply button on a template message. */
export const WaTemplateButton = z.object({ payload: z.string().optional(), text: z.string() });
