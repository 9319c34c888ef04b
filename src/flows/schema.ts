import { z } from "zod";
import { StepId } from "./fields.js";
import { builtinSteps } from "./step-registry.js";

/**
 * The flow file format, `tern.flow/v1`. Types come from these schemas (z.infer) and the JSON
 * Schema for docs and editors from `flowJsonSchema()`. Step schemas live beside each step type
 * and are collected from the registry.
 */

export const FLOW_SCHEMA_VERSION = "tern.flow/v1";

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
  })
  .describe("Starts a run when a contact without an active run writes");

export const Trigger = z.discriminatedUnion("type", [MessageTrigger]);
export type Trigger = z.infer<typeof Trigger>;

type ConfigsOf<T extends ReadonlyArray<{ config: unknown }>> = { -readonly [K in keyof T]: T[K]["config"] };

const stepConfigs = builtinSteps.map((step) => step.config) as unknown as ConfigsOf<typeof builtinSteps>;

export const FlowStep = z.discriminatedUnion("type", stepConfigs);
export type FlowStep = z.infer<typeof FlowStep>;

const stepsLimits = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, { error: "a flow needs at least one step" })
    .max(500, { error: "a flow has at most 500 steps" });

export const Flow = z
  .strictObject({
    schema: z.literal(FLOW_SCHEMA_VERSION, { error: `schema must be "${FLOW_SCHEMA_VERSION}"` }),
    name: z.string().min(1, { error: "give the flow a name" }).max(200),
    description: z.string().max(5_000).optional(),
    trigger: Trigger,
    start: StepId.optional().describe("Id of the first step; default the first in the list"),
    steps: stepsLimits(FlowStep),
  })
  .describe("A Tern flow file");
export type Flow = z.infer<typeof Flow>;

/** Everything but the steps; validateFlow checks steps one by one against the registry. */
export const FlowEnvelope = Flow.extend({ steps: stepsLimits(z.unknown()) });
