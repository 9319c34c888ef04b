import { z } from "zod";
import { parseDurationMs } from "./duration.js";

/**
 * Building blocks shared by the flow schema and every step type. Step ids and variable names
 * are restricted to identifiers so that templates can reach them with dots
 * (`{{ steps.create_lead.id }}`, `{{ vars.name }}`).
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Step ids and variable names become object keys (`steps.<id>`, `vars.<name>`), and assigning
 * `__proto__` sets an object's prototype instead of a value: the answer was silently lost. Keys
 * written in the file (`"vars": { "__proto__": … }`) are refused by validate.ts (proto-keys.ts).
 * `constructor` and `prototype` are ordinary keys there, and templates read own properties only,
 * so they stay allowed.
 */
function notProtoKey(what: string) {
  return [
    (name: string) => name !== "__proto__",
    {
      error: `${what} cannot be "__proto__" (JavaScript reserves it: the value would be lost); choose another name`,
    },
  ] as const;
}

export const StepId = z
  .string()
  .max(64, { error: "a step id is at most 64 characters" })
  .regex(IDENTIFIER, {
    error: "a step id starts with a letter or _ and contains only letters, digits and _ (e.g. ask_name)",
  })
  .refine(...notProtoKey("a step id"))
  .describe("Step id, unique in the flow; referenced by next/onError and as steps.<id> in templates");
export type StepId = z.infer<typeof StepId>;

export const VarName = z
  .string()
  .max(64, { error: "a variable name is at most 64 characters" })
  .regex(IDENTIFIER, {
    error: "a variable name starts with a letter or _ and contains only letters, digits and _ (e.g. name)",
  })
  .refine(...notProtoKey("a variable name"))
  .describe("Variable name, available as vars.<name> in templates");

/** Liquid template text; syntax is checked by validateFlow. */
export const Template = z
  .string()
  .max(20_000, { error: "text is at most 20,000 characters" })
  .describe("Liquid template, e.g. 'Thanks {{ vars.name }}'");

export const Choice = z.strictObject({
  id: z.string().min(1, { error: "a choice id must not be empty" }).max(256),
  title: z.string().min(1, { error: "a choice title must not be empty" }).max(100),
});
export type Choice = z.infer<typeof Choice>;

export const Choices = z
  .array(Choice)
  .min(1, { error: "give at least one choice" })
  // A sanity bound; what each channel can show as buttons or a list comes from its capabilities
  // (channel-fit.ts warns, the adapter sends numbered text beyond them).
  .max(100, { error: "at most 100 choices" })
  .check(uniqueChoiceIds);

/** A list of choices (a `.check` of any choice array): each id once. */
export function uniqueChoiceIds(ctx: z.core.ParsePayload<ReadonlyArray<{ id: string }>>): void {
  const seen = new Set<string>();
  ctx.value.forEach((choice, i) => {
    if (seen.has(choice.id)) {
      ctx.issues.push({
        code: "custom",
        input: choice.id,
        path: [i, "id"],
        message: `choice id "${choice.id}" is used twice; each choice needs its own id`,
      });
    }
    seen.add(choice.id);
  });
}

/**
 * The highest flow version number a request may name: what the stores' INTEGER version columns
 * hold (PostgreSQL's is 32-bit: a larger number made every route that names a version answer 500).
 */
export const MAX_FLOW_VERSION = 2_147_483_647;

export const Duration = z
  .string()
  .refine((value) => parseDurationMs(value) !== null, {
    error:
      "use an ISO-8601 duration above zero in weeks, days, hours, minutes or seconds (at most 100 years), e.g. PT30S, PT15M, PT24H, P1D, P1DT12H",
  })
  .describe("ISO-8601 duration, e.g. PT24H");

/** Fields every step has. `onError` catches any error the step throws. */
export const stepBase = {
  id: StepId,
  title: z.string().max(200).optional().describe("Display name in the editor"),
  onError: StepId.optional().describe("Step to continue at when this step fails"),
};

/** Transition field names the engine and validator know for every step type. */
export const TRANSITION_FIELDS = ["next", "onError", "onTimeout", "onInvalid"] as const;

/**
 * Where a message goes when its channel cannot deliver it (queue/fallback.ts): a send error that
 * means "not reachable here" (WhatsApp 131047 outside the 24-hour window, 131026 not a WhatsApp
 * user), or a `failed` delivery status within `onFailedStatusWithin`. The same text goes to the
 * contact's phone through `channel`, once, and the run history records why.
 */
export const Fallback = z
  .strictObject({
    channel: z
      .string()
      .min(1, { error: 'name the fallback channel (its name, id or type), e.g. "sms"' })
      .max(200)
      .describe("The channel to fall back to: its name, its id, or its type when only one channel has it"),
    onFailedStatusWithin: Duration.optional().describe(
      "Also fall back when a `failed` delivery status arrives within this time of the send (e.g. PT10M); default PT10M",
    ),
  })
  .describe("Send the same text through another channel (e.g. SMS) when this channel cannot deliver it");
export type Fallback = z.infer<typeof Fallback>;

/** A contact tag: a short word without spaces, as filters and triggers name it ("vip", "lead:hot"). */
export const ContactTag = z
  .string()
  .min(1, { error: "a tag must not be empty" })
  .max(64, { error: "a tag is at most 64 characters" })
  .regex(/^[\p{L}\p{N}_.:\-/]+$/u, {
    error: "a tag contains only letters, digits and _ . : - / (no spaces), e.g. vip or lead:hot",
  })
  .describe("Contact tag");

/** A contact attribute name: an identifier, so templates reach it as contact.attributes.<name>. */
export const AttributeName = z
  .string()
  .max(64, { error: "an attribute name is at most 64 characters" })
  .regex(IDENTIFIER, {
    error: "an attribute name starts with a letter or _ and contains only letters, digits and _ (e.g. plan)",
  })
  .describe("Contact attribute name, available as contact.attributes.<name> in templates");
