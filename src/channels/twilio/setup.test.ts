import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withProxyPage } from "../../../test/helpers/proxy-page.js";
import { startTwilioSimulator, type TwilioSimulator } from "../../sandbox/twilio/simulator.js";
import { twilioChannel } from "./index.js";

describe("Twilio setup", () => {
  let sim: TwilioSimulator;
  beforeEach(async () => {
    sim = await startTwilioSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const setup = (extra: Record<string, unknown> = {}, webhookUrl = "https://tern.example/webhooks/ch_1") =>
    twilioChannel.setup?.({
      config: twilioChannel.config.parse({ ...sim.config, ...extra }),
      webhookUrl,
      fetch: globalThis.fetch,
    });

  it("sets the number's SmsUrl to publicUrl when given, else to the webhook URL", async () => {
    expect(await setup()).toMatchObject({
      ok: true,
      details: { smsUrl: "https://tern.example/webhooks/ch_1" },
    });
    expect(sim.smsUrl).toBe("https://tern.example/webhooks/ch_1");
    await setup({ publicUrl: "https://sms.example.com/in" });
    expect(sim.smsUrl).toBe("https://sms.example.com/in");
  });

  it("reports a number the account does not have, and wrong credentials, without throwing or leaking", async () => {
    expect(await setup({ from: "+14155550111" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not among/),
    });
    const wrong = await setup({ authToken: "wrong-token-0123456789" });
    expect(wrong).toMatchObject({ ok: false, message: expect.stringMatching(/accountSid and authToken/) });
    expect(JSON.stringify(wrong)).not.toContain("wrong-token-0123456789");
    expect(sim.smsUrl).toBeUndefined();
  });

  // Found by an outside audit: a proxy that echoes the request in its refusal carried the Basic
  // credential (base64 of accountSid:authToken) into the setup report, which the API answers.
  it("hides the Basic credential when a refusal echoes the request's headers", async () => {
    const echo = createServer((req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `denied: ${JSON.stringify(req.headers)}` }));
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const apiBaseUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      const report = await setup({ apiBaseUrl, authToken: "SECRETtwilioAuth0123" });
      const basic = Buffer.from(`${sim.config.accountSid}:SECRETtwilioAuth0123`).toString("base64");
      expect(report?.ok).toBe(false);
      expect(JSON.stringify(report)).toContain("[redacted]");
      expect(JSON.stringify(report)).not.toContain(basic);
      expect(JSON.stringify(report)).not.toContain("SECRETtwilioAuth0123");
    } finally {
      echo.closeAllConnections();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it("says what to paste for a Messaging Service or a WhatsApp sender, and changes nothing", async () => {
    expect(await setup({ from: `MG${"d".repeat(32)}` })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Integration/),
    });
    expect(await setup({ from: "whatsapp:+15005550006" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/WhatsApp senders/),
    });
    expect(await setup({ from: "Acme Ltd" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/alphanumeric/),
    });
    expect(sim.smsUrl).toBeUndefined();
  });

  it("reports a lookup answered 200 with a proxy's HTML page as unreadable, not as a number not found", async () => {
    // A proxy in front of the API answers its login page instead of Twilio's list.
    await withProxyPage(async (apiBaseUrl) => {
      const report = await setup({ apiBaseUrl });
      expect(report).toMatchObject({
        ok: false,
        message: expect.stringMatching(/HTTP 200 \(text\/html\), which could not be read/),
        details: { httpStatus: 200, contentType: "text/html" },
      });
      expect(report?.message).not.toMatch(/not among/);
    });
  });
});
