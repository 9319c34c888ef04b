import { describe, expect, it } from "vitest";
import { z } from "zod";
import "./plain-messages.js";

const messages = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues.map((i) => `${i.path.join(".") || "$"}: ${i.message}`);

describe("plain messages for zod issues", () => {
  const Body = z.strictObject({
    name: z.string().min(1).max(5),
    count: z.number().int().min(2).max(9),
    tags: z.array(z.string()).min(1).max(2),
    kind: z.enum(["a", "b"]),
    only: z.literal("x"),
    config: z.record(z.string(), z.string()),
    site: z.url(),
  });

  it("says what is missing, of which kind, and what was given instead", () => {
    expect(messages(Body, { name: 5, count: "3", tags: {}, extra: 1, other: 2 })).toEqual([
      "name: must be a string, not a number",
      "count: must be a number, not a string",
      "tags: must be an array, not an object",
      'kind: must be one of: "a", "b"',
      'only: must be "x"',
      "config: required (an object)",
      "site: required (a string)",
      '$: unknown fields "extra", "other"; check the spelling',
    ]);
  });

  it("says an infinite number must be finite, not that a number is not a number", () => {
    expect(messages(z.coerce.number().int(), "1e400")).toEqual(["$: must be a finite number"]);
    expect(messages(z.number(), Number.POSITIVE_INFINITY)).toEqual(["$: must be a finite number"]);
  });

  it("says the limits in words", () => {
    const value = { name: "", count: 1, tags: [], kind: "a", only: "x", config: {}, site: "nope" };
    expect(messages(Body, value)).toEqual([
      "name: must not be empty",
      "count: must be at least 2",
      "tags: must not be empty",
      "site: must be a URL such as https://example.com",
    ]);
    const big = { ...value, name: "abcdef", count: 10, tags: ["a", "b", "c"], site: "https://x.io" };
    expect(messages(Body, big)).toEqual([
      "name: must be at most 5 characters",
      "count: must be at most 9",
      "tags: must have at most 2 items",
    ]);
    expect(messages(z.coerce.number(), "abc")).toEqual(["$: must be a number"]);
  });

  it("leaves a schema's own message alone", () => {
    expect(messages(z.string().min(1, "give it a name"), "")).toEqual(["$: give it a name"]);
    expect(messages(z.string({ error: "a name, please" }), undefined)).toEqual(["$: a name, please"]);
  });
});
