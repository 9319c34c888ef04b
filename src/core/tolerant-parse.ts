import { z } from "zod";

/**
 * `schema.safeParse(value)` that never throws. zod 4 runs length checks (`.min`, `.max`) on any
 * input with a `length` property, even after the type check failed, and compares that property
 * with `>=`: a hostile JSON value such as `{"length":[{"toString":null}]}` then throws a
 * TypeError out of `safeParse` (found by test/fuzz/whatsapp-parse.test.ts). Input from outside
 * goes through here, so such a value is refused like any other invalid one.
 */
export function tolerantParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  try {
    return schema.safeParse(value);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : "unknown error";
    return {
      success: false,
      error: new z.ZodError([
        { code: "custom", path: [], message: `value could not be read (${reason})`, input: value },
      ]),
    } as z.ZodSafeParseResult<z.output<S>>;
  }
}
