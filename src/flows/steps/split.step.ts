import { createHash } from "node:crypto";
import { z } from "zod";
import { StepId, stepBase } from "../fields.js";
import { defineStep } from "../step.js";

/**
 * Random A/B split by percentage, sticky per contact: the path is picked by a hash of the
 * contact, the flow and the step, so the same contact always takes the same path of this
 * step (in every run, on every worker), while contacts spread by the percentages.
 */
const LETTERS = "ABCDEFGHIJKLMNOPQRST";

export const SplitPath = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("The path's name in the step output (default A, B, C, ... by position)"),
  percent: z
    .number()
    .min(0, { error: "a percent is between 0 and 100" })
    .max(100, { error: "a percent is between 0 and 100" })
    .describe("Share of contacts that take this path"),
  next: StepId.describe("Step for the contacts on this path"),
});

export const SplitStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("split"),
    paths: z
      .array(SplitPath)
      .min(2, { error: "a split needs at least two paths" })
      .max(LETTERS.length, { error: `at most ${LETTERS.length} paths` })
      .check((ctx) => {
        const total = ctx.value.reduce((sum, p) => sum + p.percent, 0);
        if (Math.abs(total - 100) > 1e-9) {
          ctx.issues.push({
            code: "custom",
            input: ctx.value,
            message: `the percents add up to ${Number(total.toFixed(6))}; they must add up to 100`,
          });
        }
        const names = ctx.value.map(pathName);
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i) {
            ctx.issues.push({
              code: "custom",
              input: name,
              path: [i, "name"],
              message: `path name "${name}" is used twice; each path needs its own name`,
            });
          }
        });
      })
      .describe("The paths with their percentages (adding up to 100)"),
  })
  .describe("Sends each contact down one path by percentage (A/B test), the same path every time");
export type SplitStep = z.infer<typeof SplitStep>;

function pathName(path: { name?: string }, index: number): string {
  return path.name ?? LETTERS[index] ?? String(index + 1);
}

/** A point in [0, 100) from the key: the first 48 bits of its SHA-256. */
export function splitPoint(key: string): number {
  const digest = createHash("sha256").update(key).digest();
  return (digest.readUIntBE(0, 6) / 2 ** 48) * 100;
}

export const splitStep = defineStep({
  type: "split",
  title: "Split (A/B)",
  version: 1,
  config: SplitStep,
  exits: (config) => config.paths.map((p, i) => ({ path: ["paths", i, "next"], target: p.next })),
  start(ctx) {
    const { paths, id } = ctx.config;
    const point = splitPoint(`${ctx.contact.id}:${ctx.flowId}:${id}`);
    let upTo = 0;
    // The last path with a share takes what rounding leaves at the top.
    let index = paths.findLastIndex((p) => p.percent > 0);
    for (const [i, p] of paths.entries()) {
      upTo += p.percent;
      if (p.percent > 0 && point < upTo) {
        index = i;
        break;
      }
    }
    const chosen = paths[index] ?? paths[0];
    const next = chosen?.next ?? null;
    return { kind: "next", next, output: { path: pathName(chosen ?? {}, index), index, next } };
  },
});
