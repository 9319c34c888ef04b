import { z } from "zod";
import { AttributeName, ContactTag } from "../../flows/fields.js";
import { QueryWholeNumber } from "./query-numbers.js";

/** Contact ids are `newId("ct")`: anything else cannot name a contact (400, not a lookup). */
export const ContactId = z.string().regex(/^ct_[0-9A-Za-z_-]{9,40}$/, "not a contact id (ct_…)");
/** E.164, as contacts store it (core/phone.ts). */
export const Phone = z
  .string()
  .regex(
    /^\+[1-9][0-9]{6,14}$/,
    "an E.164 phone number such as +15551234567 (in a query string, write + as %2B)",
  );

export const ContactListQuery = z
  .strictObject({
    limit: QueryWholeNumber(1, 500).default(100),
    offset: QueryWholeNumber(0, 1_000_000)
      .default(0)
      .describe(
        "Contacts to skip (newest first); a contact created meanwhile shifts the pages: prefer `cursor`",
      ),
    cursor: z
      .string()
      // A contact's creation time in ms (15 digits) and its id, as GET /runs's cursor.
      .regex(/^\d{1,15}:[\w-]{1,200}$/, "the nextCursor of the previous page")
      .optional()
      .describe(
        "The previous page's nextCursor: continues after its last contact, whatever was created since",
      ),
    tag: ContactTag.optional().describe("Only contacts with this tag"),
    phone: Phone.optional().describe("Only contacts with this phone number (E.164)"),
    channelId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("Only contacts with an identity on this channel"),
  })
  .refine((q) => q.cursor === undefined || q.offset === 0, {
    error: "give cursor or offset, not both",
  });

export const ContactTagsBody = z
  .strictObject({
    add: z.array(ContactTag).max(100).optional(),
    remove: z.array(ContactTag).max(100).optional(),
  })
  .refine((b) => (b.add?.length ?? 0) + (b.remove?.length ?? 0) > 0, {
    error: 'give tags to add or remove, e.g. { "add": ["vip"] }',
  })
  .refine((b) => !b.add?.some((tag) => b.remove?.includes(tag)), {
    error: "a tag cannot be both added and removed",
  });

/**
 * An attribute value: JSON of modest size; null deletes the attribute. Not `z.json()`: its
 * recursive schema becomes a `$ref` that fastify-type-provider-zod leaves out of the OpenAPI
 * document (a dangling ref no client generator can read). The body is parsed JSON already, so
 * "any value but undefined" is the same check; OpenAPI shows it as any value.
 */
const AttributeValue = z
  .custom<z.core.util.JSONType>((v) => v !== undefined)
  .refine((v) => JSON.stringify(v).length <= 4_000, {
    error: "an attribute value is at most 4,000 characters of JSON",
  });

export const ContactPatchBody = z
  .strictObject({
    // A name is one line of text: a control character or half a surrogate pair was stored mangled,
    // differently by each store (U+FFFD on PostgreSQL, three of them on SQLite).
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((v) => !/[\p{Cc}\p{Cs}]/u.test(v), "must not hold control characters or half a surrogate pair")
      .nullable()
      .optional(),
    attributes: z
      .record(AttributeName, AttributeValue)
      .refine((a) => Object.keys(a).length <= 50, { error: "at most 50 attributes per request" })
      .optional()
      .describe("Attributes to set; null deletes one"),
  })
  .refine((b) => b.name !== undefined || b.attributes !== undefined, {
    error: "give a name or attributes to change",
  });

export const ContactMergeBody = z.strictObject({
  from: ContactId.describe("The contact merged into this one; it is gone afterwards"),
});
