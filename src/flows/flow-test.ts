import { z } from "zod";
import { Duration } from "./fields.js";

/**
 * Test cases a flow file carries (`tests`) or keeps beside it (`<name>.test.json`): a scripted
 * conversation and the outcome expected. Data only; the engine never reads them. `tern flows test`
 * runs them (src/flow-tests/, README "Test a flow").
 */

const compiles = (pattern: string): boolean => {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
};

/** A regular expression in JavaScript syntax (with the `u` flag), checked when the file is read. */
export const Pattern = z
  .string()
  .min(1)
  .refine(compiles, { error: "not a valid regular expression" })
  .describe("A regular expression (JavaScript syntax)");

/** The text of a message the flow sends: exact, or a part of it, or a regular expression. */
const TextMatcher = z.union([
  z.string().describe("The exact text"),
  z.strictObject({ contains: z.string().min(1).describe("Text the message contains") }),
  z.strictObject({
    matches: Pattern.describe("A regular expression (JavaScript syntax) the text matches"),
  }),
]);

export const MessageExpectation = z
  .union([
    TextMatcher,
    z.strictObject({
      text: TextMatcher.describe("What the text must be"),
      choices: z
        .array(z.string().min(1))
        .optional()
        .describe("Ids of the buttons the message offers, in order"),
    }),
  ])
  .describe('A message the flow sends: "exact text", { "contains": … }, { "matches": … }');
export type MessageExpectation = z.infer<typeof MessageExpectation>;

const SalesforceFields = z.record(z.string().min(1), z.unknown());

/** Every `{ "$matches": … }` in an expected value, with its path, so a bad pattern is refused on reading. */
function badPatterns(value: unknown, path: Array<string | number>): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((item, i) => badPatterns(item, [...path, i]));
  if (value === null || typeof value !== "object") return [];
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only?.[0] === "$matches" && typeof only[1] === "string")
    return compiles(only[1]) ? [] : [[...path, "$matches"]];
  return entries.flatMap(([key, item]) => badPatterns(item, [...path, key]));
}

/** Expected variables or record fields: values compared, with `$contains`, `$matches`, `$exists`. */
const ExpectedValues = <T extends z.ZodType>(schema: T) =>
  schema.check((ctx) => {
    for (const path of badPatterns(ctx.value, []))
      ctx.issues.push({ code: "custom", input: ctx.value, path, message: "not a valid regular expression" });
  });

/** What the Salesforce sandbox holds or answers; before the run or at a point in the script. */
export const SalesforceSandbox = z
  .strictObject({
    records: z
      .record(z.string().min(1), z.array(SalesforceFields).max(200))
      .optional()
      .describe('Records that exist in the org, by object: { "Lead": [{ "LastName": "Lovelace", … }] }'),
    duplicateRules: z
      .array(
        z.strictObject({
          object: z.string().min(1),
          matchFields: z.array(z.string().min(1)).min(1),
          allowSave: z.boolean().default(false).describe("true: an alert rule; false: a blocking rule"),
        }),
      )
      .optional()
      .describe("Duplicate rules: a create matching an existing record on every field is refused"),
    failNext: z
      .strictObject({
        on: z
          .enum(["any", "create", "update", "upsert", "query", "get", "describe"])
          .default("any")
          .describe("Which call fails: the next create, query (find), …"),
        status: z.number().int().min(400).max(599).default(400),
        errorCode: z.string().min(1).default("UNKNOWN_EXCEPTION").describe("Salesforce's errorCode"),
        message: z.string().default("An unexpected error occurred."),
        fields: z.array(z.string()).optional(),
        times: z.number().int().min(1).max(100).default(1),
      })
      .optional()
      .describe("The next matching call answers this Salesforce error"),
    apiDisabled: z.boolean().optional().describe("The org's user has no API access (API Enabled unticked)"),
  })
  .describe("The Salesforce sandbox org: records, duplicate rules, a canned error");
export type SalesforceSandbox = z.infer<typeof SalesforceSandbox>;

/**
 * An answer the test gives an `http` step instead of the network: the first whose `method` and
 * `url` (a regular expression, found anywhere in the URL as the step rendered it) match answers
 * every such request.
 */
export const HttpStub = z
  .strictObject({
    method: z
      .string()
      .regex(/^[A-Za-z]+$/)
      .optional()
      .describe("GET, POST, …; default any"),
    url: Pattern.describe("A regular expression the request's URL contains, e.g. /orders/A1$"),
    status: z.number().int().min(100).max(599).default(200),
    headers: z.record(z.string().min(1), z.string()).optional().describe("The answer's headers"),
    body: z
      .unknown()
      .optional()
      .describe("The answer's body: JSON (sent as application/json), or a string sent as text"),
  })
  .describe("An answer to the http step's requests that match");
export type HttpStub = z.infer<typeof HttpStub>;

/** What the customer sends: text, or a tap on a button (its choice id). */
const Say = z.union([
  z.string().min(1).describe("The text the customer sends"),
  z.strictObject({ choice: z.string().min(1).describe("Id of the button or list row tapped") }),
]);

export const ScriptEvent = z
  .union([
    z.strictObject({ say: Say.describe("The customer sends a message") }),
    z.strictObject({
      expect: MessageExpectation.describe("The next message the flow sends"),
    }),
    z.strictObject({
      wait: Duration.describe("Time passes on the simulated clock; deadlines due meanwhile fire"),
    }),
    z.strictObject({ salesforce: SalesforceSandbox.describe("The Salesforce sandbox changes") }),
  ])
  .describe('One event: { "say": … }, { "expect": … }, { "wait": "PT10M" } or { "salesforce": … }');
export type ScriptEvent = z.infer<typeof ScriptEvent>;

export const FlowTestOutcome = z
  .strictObject({
    status: z
      .enum(["running", "waiting", "completed", "failed", "ended"])
      .optional()
      .describe("The run's status once the script has played"),
    vars: ExpectedValues(z.record(z.string(), z.unknown()))
      .optional()
      .describe("Variables (only those named are compared; nested objects likewise)"),
    records: ExpectedValues(z.record(z.string().min(1), z.array(SalesforceFields)))
      .optional()
      .describe(
        'Records the run created, by object, in order: { "Lead": [{ "LastName": "Ada" }] } (fields named are compared)',
      ),
    updated: ExpectedValues(z.record(z.string().min(1), z.array(SalesforceFields)))
      .optional()
      .describe(
        'Records of `salesforce.records` the run changed, by object, in the order given: { "Lead": [{ "Status": "Working" }] }',
      ),
    messages: z.array(MessageExpectation).optional().describe("Every message the flow sent, in order"),
  })
  .describe("The outcome expected after the script");
export type FlowTestOutcome = z.infer<typeof FlowTestOutcome>;

export const FlowTestCase = z
  .strictObject({
    name: z.string().min(1).max(200).describe("What the case shows, e.g. 'a duplicate lead is reused'"),
    channel: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("Channel type of the conversation (default: the trigger's first channel)"),
    contact: z
      .strictObject({
        address: z.string().min(1).max(200).optional().describe("Address on the channel (WhatsApp: wa_id)"),
        name: z.string().max(200).nullable().optional(),
        phone: z
          .string()
          .max(40)
          .nullable()
          .optional()
          .describe("E.164; default from the address on phone channels"),
        tags: z.array(z.string()).optional(),
        attributes: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    vars: z.record(z.string(), z.unknown()).optional().describe("Variables the run starts with"),
    now: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Simulated time the case starts at (default 2026-01-05T09:00:00Z, a Monday)"),
    salesforce: SalesforceSandbox.optional().describe("The sandbox org before the run starts"),
    http: z
      .array(HttpStub)
      .max(100)
      .optional()
      .describe("Answers to the flow's http requests (tests never reach the network)"),
    script: z.array(ScriptEvent).max(500).describe("The conversation, in order"),
    expect: FlowTestOutcome.optional(),
  })
  .describe("A test case: a scripted conversation and the outcome expected");
export type FlowTestCase = z.infer<typeof FlowTestCase>;

export const FlowTests = z.array(FlowTestCase).max(200).describe("Test cases `tern flows test` runs");

/** A `<name>.test.json` file beside `<name>.json`. */
export const FlowTestFile = z
  .strictObject({
    $schema: z.string().optional(),
    tests: FlowTests,
  })
  .describe("Test cases for the flow file of the same name");
