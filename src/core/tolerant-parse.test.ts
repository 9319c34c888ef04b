import { describe, expect, it } from "vitest";
import { z } from "zod";
import { tolerantParse } from "./tolerant-parse.js";

describe("tolerantParse", () => {
  const Id = z.object({ id: z.string().min(1) });
  // The counterexample fast-check found in a WhatsApp message id.
  const hostile = JSON.parse('{"id":{"length":[{"toString":null}]}}');

  it("refuses a value whose length cannot be compared, where safeParse itself throws", () => {
    expect(() => Id.safeParse(hostile)).toThrow(TypeError);
    const result = tolerantParse(Id, hostile);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/could not be read/);
  });

  it("answers as safeParse for ordinary values", () => {
    expect(tolerantParse(Id, { id: "wamid.1" })).toEqual({ success: true, data: { id: "wamid.1" } });
    expect(tolerantParse(Id, { id: "" }).success).toBe(false);
  });
});
