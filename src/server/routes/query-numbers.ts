import { z } from "zod";

/** Decimal digits only: no sign, point, exponent, hex prefix or spaces. */
const DIGITS = /^\d{1,15}$/;

/**
 * A whole number given in a query string: decimal digits only, within [min, max]. Not
 * `z.coerce.number()`: it took "0x2" for 2, "1e1" for 10 and an empty value (`?limit=`) for 0.
 * The same rule as config.ts's environment variables. Anything else stays a string and is
 * refused by the number schema with the message below; documented as an integer (OpenAPI).
 */
export const QueryWholeNumber = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === "string" && DIGITS.test(value) ? Number(value) : value),
    z
      .number({ error: `a whole number in decimal digits, from ${min} to ${max}` })
      .int()
      .min(min, `at least ${min}`)
      .max(max, `at most ${max}`),
  );
