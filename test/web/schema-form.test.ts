import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpConnectionConfig } from "../../src/connectors/http/index.js";
import {
  compact,
  discriminatorOf,
  type JsonSchema,
  labelOf,
  typeOf,
  variantsOf,
} from "../../web/src/components/schema-form/json-schema.js";

/** The schema form's reading of JSON Schema, on schemas as zod writes them for the API. */
describe("schema form helpers", () => {
  it("labels a field from its key, or its title", () => {
    expect(labelOf("phoneNumberId", {})).toBe("Phone number id");
    expect(labelOf("apiBaseUrl", {})).toBe("Api base url");
    expect(labelOf("client_email", {})).toBe("Client email");
    expect(labelOf("x", { title: "Shown" })).toBe("Shown");
  });

  it("reads a nullable type as its non-null type", () => {
    expect(typeOf({ type: ["string", "null"] })).toBe("string");
    expect(typeOf({ type: "integer" })).toBe("integer");
  });

  it("finds the variants and their discriminator in a discriminated union (the http connection)", () => {
    const schema = z.toJSONSchema(HttpConnectionConfig, { io: "input" }) as JsonSchema;
    const variants = variantsOf(schema);
    expect(variants).toHaveLength(3);
    expect(discriminatorOf(variants ?? [])).toBe("auth");
    expect(variantsOf({ type: "object", properties: {} })).toBeNull();
    expect(variantsOf({ oneOf: [{ type: "string" }] })).toBeNull();
  });

  it("drops what was left empty so the server's defaults apply, keeping false and 0", () => {
    expect(
      compact({ a: "", b: "x", c: [], d: { e: "" }, f: { g: 1 }, h: false, i: 0, j: undefined }),
    ).toEqual({ b: "x", f: { g: 1 }, h: false, i: 0 });
  });
});
