import { describe, expect, it } from "vitest";
import { allEvents, type InboundMessage, type WebhookRequest } from "../channel.js";
import { parse } from "./parse.js";

const request = (fields: Record<string, string>): WebhookRequest =>
  ({
    headers: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(
      new URLSearchParams({
        AccountSid: "AC1",
        MessageSid: "SM1",
        From: "+14155550100",
        ...fields,
      }).toString(),
    ),
  }) as unknown as WebhookRequest;

const message = (fields: Record<string, string>) => allEvents(parse(request(fields)))[0] as InboundMessage;

describe("Twilio opt-out words", () => {
  it("marks Twilio's default opt-out and opt-in words, whole and case-insensitive, and only those", () => {
    for (const word of ["STOP", "stopall", " Unsubscribe ", "CANCEL", "end", "QUIT", "revoke", "OPTOUT"]) {
      expect(message({ Body: word }).optOut, word).toBe("stop");
    }
    for (const word of ["START", "yes", "Unstop"]) expect(message({ Body: word }).optOut, word).toBe("start");
    for (const word of ["stop it", "Hi", "", "HELP"])
      expect(message({ Body: word }).optOut, word).toBeUndefined();
  });

  it("follows OptOutType when Advanced Opt-Out sends it, whatever the words", () => {
    expect(message({ Body: "arrête", OptOutType: "STOP" }).optOut).toBe("stop");
    expect(message({ Body: "reprendre", OptOutType: "START" }).optOut).toBe("start");
    expect(message({ Body: "info", OptOutType: "HELP" }).optOut).toBeUndefined();
  });
});
