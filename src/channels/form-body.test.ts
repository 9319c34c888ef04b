import { describe, expect, it } from "vitest";
import { firstValues, formOf, readForm } from "./form-body.js";

describe("form bodies", () => {
  it("keeps repeated names in order and reads the first value of each", () => {
    const params = readForm("To=%2B15550001&Body=a+b&MediaUrl0=x&Body=second");
    expect([...params]).toEqual([
      ["To", ["+15550001"]],
      ["Body", ["a b", "second"]],
      ["MediaUrl0", ["x"]],
    ]);
    expect({ ...firstValues(params) }).toEqual({ To: "+15550001", Body: "a b", MediaUrl0: "x" });
  });

  it("keeps a field named __proto__ as a field, without touching any prototype", () => {
    const fields = firstValues(readForm("__proto__=evil&constructor=x&Body=hi"));
    expect(Object.keys(fields)).toEqual(["__proto__", "constructor", "Body"]);
    expect(Object.getOwnPropertyDescriptor(fields, "__proto__")?.value).toBe("evil");
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
  });

  it("decodes one request body once, however often the signature check and the parser ask", () => {
    const body = Buffer.from("AccountSid=AC1&MessageSid=SM1");
    expect(formOf(body)).toBe(formOf(body));
    expect(formOf(Buffer.from(body))).not.toBe(formOf(body));
    expect(formOf(body).get("MessageSid")).toEqual(["SM1"]);
  });
});
