import { describe, expect, it } from "vitest";
import type { MessageView } from "../runtime.js";
import { defaultRetryText, parseAnswer } from "./ask-answer.js";

const text = (t: string): MessageView => ({ id: "m", type: "text", text: t, timestamp: 0 });

describe("parseAnswer", () => {
  it.each([
    ["42", 42],
    [" -3.5 ", -3.5],
    ["3,5", 3.5],
    ["1,234.5", 1234.5],
    ["0,500", 0.5], // a decimal comma: no grouped number starts with 0
    ["0,001", 0.001],
    ["12,345", 12345],
    ["123456789012345", 123456789012345], // 15 digits: exact
    ["0.000001", 0.000001],
    ["1500.00", 1500],
    ["1 234", 1234],
    ["١٢", 12],
    ["۳,۵", 3.5],
    ["１２", 12],
    ["٣٤٫٥", 34.5], // Arabic decimal separator
    ["١٬٢٣٤", 1234], // Arabic thousands separator
    ["−7", -7], // minus sign
    ["၁၅", 15], // Myanmar digits
  ])("reads %j as the number %d", (input, value) => {
    expect(parseAnswer("number", text(input), {})).toEqual({ ok: true, value });
  });

  it.each(["forty", "", "1e400", "12abc", "1.2.3", "99999999999999999999", "0.12345678901234567"])(
    "rejects %j as a number",
    (input) => {
      expect(parseAnswer("number", text(input), {}).ok).toBe(false);
    },
  );

  it("reads a number of two lines (two messages joined by a burst) as no number, one line's spaces as grouping", () => {
    for (const input of ["4\n2", "1 234\n567", "4\r\n2", "4\u20282"]) {
      expect(parseAnswer("number", text(input), {}).ok, JSON.stringify(input)).toBe(false);
    }
    expect(parseAnswer("number", text("1 234 567"), {})).toEqual({ ok: true, value: 1234567 });
    expect(parseAnswer("number", text(" 42\n"), {})).toEqual({ ok: true, value: 42 });
  });

  it("takes a typed number as the position shown, before an id that is a number", () => {
    // "1. Red / 2. Blue" on a channel without buttons: 1 is Red whatever the ids say.
    const choices = [
      { id: "2", title: "Red" },
      { id: "1", title: "Blue" },
    ];
    expect(parseAnswer("choice", text("1"), { choices })).toMatchObject({ ok: true, value: "2" });
    expect(parseAnswer("choice", text("2"), { choices })).toMatchObject({ ok: true, value: "1" });
    // Past the last position a number can still be an id.
    const tens = [
      { id: "10", title: "Ten" },
      { id: "20", title: "Twenty" },
    ];
    expect(parseAnswer("choice", text("20"), { choices: tens })).toMatchObject({ ok: true, value: "20" });
  });

  it("matches a choice by a number in another script, or by its title however the accents were composed", () => {
    const choices = [
      { id: "cafe", title: "Café" },
      { id: "tea", title: "Tea" },
    ];
    expect(parseAnswer("choice", text("٢"), { choices })).toMatchObject({ ok: true, value: "tea" });
    expect(parseAnswer("choice", text("cafe\u0301"), { choices })).toMatchObject({ ok: true, value: "cafe" });
    expect(parseAnswer("choice", text("ＴＥＡ"), { choices })).toMatchObject({ ok: true, value: "tea" });
    expect(parseAnswer("choice", text("Tea!"), { choices })).toMatchObject({ ok: true, value: "tea" });
    expect(parseAnswer("choice", text("၂"), { choices })).toMatchObject({ ok: true, value: "tea" });
  });

  it("prefers a title as written over one that differs by punctuation", () => {
    const choices = [
      { id: "c", title: "C" },
      { id: "csharp", title: "C#" },
      { id: "yes", title: "はい" },
    ];
    expect(parseAnswer("choice", text("C#"), { choices })).toMatchObject({ value: "csharp" });
    expect(parseAnswer("choice", text("c."), { choices })).toMatchObject({ value: "c" });
    expect(parseAnswer("choice", text("はい。"), { choices })).toMatchObject({ value: "yes" });
    expect(parseAnswer("choice", text("Coffee"), { choices }).ok).toBe(false);
  });

  it("matches an id case-insensitively and ignores punctuation and emoji around an id or title", () => {
    const choices = [
      { id: "yes", title: "Yes 👍" },
      { id: "no", title: "No 👎" },
    ];
    for (const typed of ["Yes", "YES", "yes", "yes!", "Yes 👍", "yes👍", " ¡Yes! "]) {
      expect(parseAnswer("choice", text(typed), { choices }), typed).toMatchObject({
        ok: true,
        value: "yes",
      });
    }
    expect(parseAnswer("choice", text("No."), { choices })).toMatchObject({ value: "no" });
    expect(parseAnswer("choice", text("2"), { choices })).toMatchObject({ value: "no" });
    expect(parseAnswer("choice", text("👍"), { choices }).ok).toBe(false);
    expect(parseAnswer("choice", text("yes no"), { choices }).ok).toBe(false);
  });

  it("takes no choice when the text matches two of them alike (re-asked: the number picks)", () => {
    const same = [
      { id: "a", title: "Standard" },
      { id: "b", title: "Standard" },
    ];
    expect(parseAnswer("choice", text("standard"), { choices: same }).ok).toBe(false);
    expect(parseAnswer("choice", text("2"), { choices: same })).toMatchObject({ value: "b" });
    const emoji = [
      { id: "up", title: "OK 👍" },
      { id: "down", title: "OK 👎" },
    ];
    expect(parseAnswer("choice", text("ok"), { choices: emoji }).ok).toBe(false);
    expect(parseAnswer("choice", text("OK 👎"), { choices: emoji })).toMatchObject({ value: "down" });
    // An id as written still picks its own choice before any title.
    expect(parseAnswer("choice", text("up"), { choices: emoji })).toMatchObject({ value: "up" });
  });

  it("lowercases and trims emails and rejects non-emails", () => {
    expect(parseAnswer("email", text("  Ada@Example.COM "), {})).toEqual({
      ok: true,
      value: "ada@example.com",
    });
    expect(parseAnswer("email", text("ada@example"), {}).ok).toBe(false);
    expect(parseAnswer("email", text("not an email"), {}).ok).toBe(false);
  });

  it("normalizes phones to E.164 using the contact's own region for national numbers", () => {
    expect(parseAnswer("phone", text("+44 20 7946 0958"), {})).toEqual({ ok: true, value: "+442079460958" });
    expect(parseAnswer("phone", text("(631) 555-1182"), { contactPhone: "+16315551181" })).toEqual({
      ok: true,
      value: "+16315551182",
    });
    expect(parseAnswer("phone", text("020 7946 0958"), { contactPhone: "+447700900123" })).toEqual({
      ok: true,
      value: "+442079460958",
    });
    expect(parseAnswer("phone", text("12"), { contactPhone: "+16315551181" }).ok).toBe(false);
  });

  it("matches choices by tapped id, title case-insensitively, or 1-based number", () => {
    const choices = [
      { id: "y", title: "Yes please" },
      { id: "n", title: "No" },
    ];
    const tapped: MessageView = { ...text("whatever"), type: "choice", choice: { id: "n", title: "No" } };
    expect(parseAnswer("choice", tapped, { choices })).toMatchObject({ ok: true, value: "n" });
    expect(parseAnswer("choice", text("yes PLEASE"), { choices })).toMatchObject({ ok: true, value: "y" });
    expect(parseAnswer("choice", text("2"), { choices })).toMatchObject({
      ok: true,
      value: "n",
      choice: choices[1],
    });
    expect(parseAnswer("choice", text("3"), { choices }).ok).toBe(false);
    expect(parseAnswer("choice", text("maybe"), { choices }).ok).toBe(false);
  });

  it("rejects an empty text answer (e.g. a sticker without caption)", () => {
    expect(parseAnswer("text", text("   "), {}).ok).toBe(false);
  });

  it("takes a button tapped by position (Telegram #n) as the choice there, not one whose id or title reads the same", () => {
    const choices = [
      { id: "2", title: "Two" },
      { id: "#1", title: "1" },
    ];
    const tap = (index: number, title: string): MessageView => ({
      ...text(String(index)),
      type: "choice",
      choice: { id: `#${index}`, title, index },
    });
    expect(parseAnswer("choice", tap(2, "1"), { choices })).toMatchObject({ value: "#1" });
    expect(parseAnswer("choice", tap(1, "Two"), { choices })).toMatchObject({ value: "2" });
    // A tap on an older keyboard whose buttons stood elsewhere: its title says which.
    expect(parseAnswer("choice", tap(1, "1"), { choices })).toMatchObject({ value: "#1" });
  });

  it("does not list the choices in the default retry text: they go out with it", () => {
    expect(defaultRetryText("choice")).toBe("Please choose one of the options.");
  });
});
