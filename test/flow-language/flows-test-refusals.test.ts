import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, testInProcess } from "../helpers/flow-test-run.js";

/**
 * `tern flows test` refuses a send where the real path would (the worker's reply window, the
 * channel adapter's checks): a test that passes must not hide a send the provider never gets.
 */
describe("tern flows test (sends the channel refuses)", () => {
  it("refuses a send as the channel would: past WhatsApp's 24-hour window (a fallback carries it), empty, too long", async () => {
    const dir = tempDir();
    // A failed step's reason kept in a variable: after the window closes nothing else can be sent.
    const why = (id: string) => ({
      id: `${id}_failed`,
      type: "set",
      vars: { why: `{{ steps.${id}.error.message }}` },
    });
    const later = {
      schema: "tern.flow/v1",
      name: "Follow-up",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        { id: "ask_topic", type: "ask", text: "What about?", save: "topic", next: "pause" },
        { id: "pause", type: "wait", duration: "P2D", next: "nudge" },
        { id: "nudge", type: "send", text: "Still interested in {{ vars.topic }}?", onError: "nudge_failed" },
        why("nudge"),
      ],
    };
    writeFileSync(path.join(dir, "later.json"), JSON.stringify(later));
    const withFallback = structuredClone(later);
    Object.assign(withFallback.steps[2] as object, { fallback: { channel: "twilio" } });
    writeFileSync(path.join(dir, "fallback.json"), JSON.stringify(withFallback));
    const echo = {
      schema: "tern.flow/v1",
      name: "Echo",
      trigger: { type: "message", channels: ["whatsapp", "twilio"] },
      steps: [
        {
          id: "greet",
          type: "send",
          text: "{{ vars.greeting }}",
          next: "ask_topic",
          onError: "greet_failed",
        },
        { ...why("greet"), next: "ask_topic" },
        { id: "ask_topic", type: "ask", text: "What about?", save: "topic", next: "echo" },
        { id: "echo", type: "send", text: "{{ vars.topic }}{{ vars.topic }}", onError: "echo_failed" },
        why("echo"),
      ],
    };
    writeFileSync(path.join(dir, "echo.json"), JSON.stringify(echo));
    const window = "More than 24 hours have passed since the customer's last message on WhatsApp";
    const tests = (file: string, cases: object[]) =>
      writeFileSync(path.join(dir, file), JSON.stringify({ tests: cases }));
    tests("later.test.json", [
      {
        name: "two days later on WhatsApp",
        script: [{ say: "hi" }, { say: "a quote" }, { wait: "P2D" }],
        expect: { status: "completed", vars: { why: { $contains: window } }, messages: ["What about?"] },
      },
      {
        name: "a message during the wait keeps the window open",
        script: [
          { say: "hi" },
          { say: "a quote" },
          { wait: "PT40H" },
          { say: "still there" },
          { wait: "P1D" },
        ],
        expect: { status: "completed", messages: ["What about?", "Still interested in a quote?"] },
      },
    ]);
    tests("fallback.test.json", [
      {
        name: "two days later the fallback carries it",
        script: [{ say: "hi" }, { say: "a quote" }, { wait: "P2D" }],
        expect: { status: "completed", messages: ["What about?", "Still interested in a quote?"] },
      },
      {
        name: "no fallback without a phone",
        contact: { address: "16315551181", phone: null },
        script: [{ say: "hi" }, { say: "a quote" }, { wait: "P2D" }],
        expect: { vars: { why: { $contains: "the contact's phone number is not known" } } },
      },
    ]);
    tests("echo.test.json", [
      {
        name: "an empty text",
        channel: "twilio",
        script: [{ say: "hi" }, { say: "ok" }],
        expect: {
          vars: { why: "Cannot send an empty Twilio (SMS) message." },
          messages: ["What about?", "okok"],
        },
      },
      {
        name: "longer than WhatsApp takes",
        vars: { greeting: "Hi" },
        script: [{ say: "hi" }, { say: "x".repeat(2100) }],
        expect: {
          vars: { why: "The message is 4200 characters; WhatsApp allows 4096. Shorten it." },
          messages: ["Hi", "What about?"],
        },
      },
      {
        name: "longer than an SMS takes, an emoji counting two",
        channel: "twilio",
        vars: { greeting: "Hi" },
        script: [{ say: "hi" }, { say: "😀".repeat(401) }],
        expect: { vars: { why: { $contains: "The message is 1604 characters;" } } },
      },
    ]);
    const { code, out } = await testInProcess(["later.json", "fallback.json", "echo.json"], dir);
    expect(out, out).not.toContain("✗");
    expect(out).toMatch(/3 flows, 7 cases: 7 passed/);
    expect(code).toBe(0);
  });
});
