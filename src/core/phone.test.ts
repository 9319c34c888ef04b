import { describe, expect, it } from "vitest";
import { digitsToE164, possibleE164, samePersonPhones, toE164 } from "./phone.js";

describe("toE164", () => {
  it("gives one form for a number however a channel wrote it", () => {
    for (const raw of ["+44 7911 123456", "447911123456", "0044 7911 123456", "+44 (0)7911-123456"]) {
      expect(toE164(raw), raw).toBe("+447911123456");
    }
    expect(toE164("4915100000002")).toBe("+4915100000002");
  });

  it("gives null for what cannot be a phone number", () => {
    for (const raw of [null, undefined, "", "   ", "abc", "12", "+", "1".repeat(40)]) {
      expect(toE164(raw), String(raw)).toBeNull();
    }
  });

  it("answers the same for a number seen before, also after more than the remembered 1,000", () => {
    const numbers = Array.from({ length: 1_500 }, (_, i) => `+4479111${String(i).padStart(5, "0")}`);
    const first = numbers.map((n) => possibleE164(n));
    expect(first.every((n, i) => n === numbers[i])).toBe(true);
    expect(numbers.map((n) => possibleE164(n))).toEqual(first);
    expect(possibleE164("+1")).toBeNull();
    expect(possibleE164("+1")).toBeNull();
  });
});

describe("digitsToE164", () => {
  it("normalizes a contact card's number to E.164 and refuses what is not one", () => {
    expect(digitsToE164("79001234567")).toBe("+79001234567");
    expect(digitsToE164("+1 (650) 555-1234")).toBe("+16505551234");
    expect(digitsToE164("+972 50.123.4567")).toBe("+972501234567");
    expect(digitsToE164("12345")).toBeUndefined();
    expect(digitsToE164("0044")).toBeUndefined();
    expect(digitsToE164("+1 650 555 1234 ext 2")).toBeUndefined();
  });
});

describe("Mexican mobiles", () => {
  it("reads WhatsApp's +52 1 … (the prefix Mexico dropped in 2019) as the ten-digit number SMS gives", () => {
    for (const raw of [
      "5215512345678",
      "+5215512345678",
      "+52 1 55 1234 5678",
      "+525512345678",
      "525512345678",
    ]) {
      expect(toE164(raw), raw).toBe("+525512345678");
    }
    expect(possibleE164("+52 1 33 1234 5678")).toBe("+523312345678");
    // Not a Mexican number, or not eleven digits after 52: as before.
    expect(toE164("+15512345678")).toBe("+15512345678");
    expect(toE164("+52155123456")).toBe("+52155123456");
  });
});

describe("Brazilian mobiles and the ninth digit", () => {
  it("reads WhatsApp's 8-digit wa_id of an account registered before the ninth digit as the number dialled today", () => {
    for (const raw of ["551187654321", "+55 11 8765-4321", "5511987654321", "+55 (11) 98765-4321"]) {
      expect(toE164(raw), raw).toBe("+5511987654321");
    }
    // A landline (2-5 after the area code) keeps its 8 digits.
    expect(toE164("551132654321")).toBe("+551132654321");
  });
  it("names the 8-digit form WhatsApp keeps for old accounts and the 9-digit form dialled today as one person", () => {
    expect(samePersonPhones("+5511987654321")).toEqual(["+5511987654321", "+551187654321"]);
    expect(samePersonPhones("+551187654321")).toEqual(["+551187654321", "+5511987654321"]);
    expect(samePersonPhones("+552178654321")).toEqual(["+552178654321", "+5521978654321"]);
  });
  it("leaves landlines (2-5 after the area code), other countries and other lengths alone", () => {
    expect(samePersonPhones("+551132654321")).toEqual(["+551132654321"]);
    expect(samePersonPhones("+5511932654321")).toEqual(["+5511932654321"]);
    expect(samePersonPhones("+4915123456789")).toEqual(["+4915123456789"]);
    expect(samePersonPhones("+525512345678")).toEqual(["+525512345678"]);
  });
});
