import { z } from "zod";
import { ContactTag, Duration, StepId } from "./fields.js";
import { FlowTests } from "./flow-test.js";
import type { StepDefinition } from "./step.js";
import { ApiTrigger, ScheduleTrigger, TagTrigger, TriggerPattern } from "./trigger-schema.js";

/**
 * The flow file format, `tern.flow/v1`. Types come from these schemas (z.infer) and the JSON
 * Schema for docs and editors from `flowJsonSchema(steps)`. Step schemas live beside each step type
 * (core steps here, connector steps in their connector) and are collected from the registry the
 * composition root hands in: `src/flows` knows no connector.
 */

export const FLOW_SCHEMA_VERSION = "tern.flow/v1";
/** What shipped templates name in `"$schema"`: the schema a local server serves (public). */
export const FLOW_JSON_SCHEMA_URL = "http://localhost:3000/api/v1/schema/flow.json";

export const MessageTrigger = z
  .strictObject({
    type: z.literal("message"),
    channels: z
      .array(z.string().min(1).max(64))
      .min(1, { error: 'name at least one channel type, e.g. ["whatsapp"]' })
      .describe("Channel types whose inbound messages start this flow"),
    keywords: z
      .array(z.string().min(1).max(100))
      .max(100)
      .optional()
      .describe("Start only when the message is one of these words (case-insensitive) or starts with one"),
    tags: z
      .array(ContactTag)
      .min(1, { error: "name at least one tag, or leave tags out" })
      .max(50)
      .optional()
      .describe("Start only when the contact has at least one of these tags"),
    pattern: TriggerPattern.optional(),
    on: z
      .enum(["any", "first"])
      .optional()
      .describe(
        '"first": only the first message of a conversation; "any" (default): any message without an active run',
      ),
    cooldown: Duration.optional().describe(
      "After a run of this flow ends in a conversation, its messages within this time do not start it again " +
        '(a "thanks" after the last reply); they are recorded, and another flow may take them. Default: none',
    ),
  })
  .describe("Starts a run when a contact without an active run writes");

export const Trigger = z.discriminatedUnion("type", [
  MessageTrigger,
  ApiTrigger,
  ScheduleTrigger,
  TagTrigger,
]);
export type Trigger = z.infer<typeof Trigger>;

/**
 * A step as the engine sees it once its own schema parsed it (defaults applied). Each step type
 * narrows its own config; the flow only knows the fields every step shares.
 */
export type FlowStep = { id: string; type: string; next?: string; onError?: string } & Record<
  string,
  unknown
>;

/** Steps a flow may have; validate.ts checks no more than these one by one. */
export const MAX_STEPS = 500;

const stepsLimits = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, { error: "a flow needs at least one step" })
    .max(MAX_STEPS, { error: `a flow has at most ${MAX_STEPS} steps` });

const Coordinate = z.number().finite().min(-1_000_000).max(1_000_000);

/** Where the browser editor draws each step; data only, the engine never reads it. */
export const FlowLayout = z
  .strictObject({
    steps: z
      .record(StepId, z.strictObject({ x: Coordinate, y: Coordinate }))
      .refine((steps) => Object.keys(steps).length <= 500, { error: "a layout has at most 500 steps" })
      .describe("Step id → position of the step on the editor's canvas"),
  })
  .describe("Positions of the steps in the browser editor; the engine ignores it");
export type FlowLayout = z.infer<typeof FlowLayout>;

const flowShape = <T extends z.ZodType>(step: T) =>
  z
    .strictObject({
      $schema: z
        .string()
        .max(2_000)
        .optional()
        .describe(`Where editors find this file's JSON Schema, e.g. "${FLOW_JSON_SCHEMA_URL}"`),
      schema: z.literal(FLOW_SCHEMA_VERSION, { error: `schema must be "${FLOW_SCHEMA_VERSION}"` }),
      name: z
        .string()
        .min(1, { error: "give the flow a name" })
        .max(200)
        // PostgreSQL's text cannot hold U+0000: the list read "Ops\uFFFDflow" where the file said
        // "Ops\u0000flow". A name is one line: no control characters, no half surrogate pairs.
        .refine((v) => !/[\p{Cc}\p{Cs}]/u.test(v), {
          error:
            "the flow's name must not hold control characters (a line break, U+0000) or half a surrogate pair",
        }),
      description: z.string().max(5_000).optional(),
      trigger: Trigger,
      start: StepId.optional().describe("Id of the first step; default the first in the list"),
      steps: stepsLimits(step),
      // Test cases for `tern flows test`; data only, the engine never reads them (flow-test.ts).
      tests: FlowTests.optional(),
      layout: FlowLayout.optional(),
    })
    .describe("A Tern flow file");

/** The whole flow file with one schema per registered step type (for the JSON Schema). */
export function flowSchema(steps: ReadonlyArray<StepDefinition>) {
  const configs = steps.map((step) => step.config);
  const [first, ...rest] = configs;
  if (!first) throw new Error("flowSchema needs at least one step type");
  return flowShape(z.discriminatedUnion("type", [first, ...rest]));
}

export type Flow = Omit<z.infer<ReturnType<typeof flowShape>>, "steps"> & { steps: FlowStep[] };

/** Everything but the steps; validateFlow checks steps one by one against the registry. */
export const FlowEnvelope = flowShape(z.unknown());
