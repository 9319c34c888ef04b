import { describe, expect, it } from "vitest";
import { redact } from "../channels/provider-http.js";
import { tokenError } from "../connectors/salesforce/errors/errors.js";
import { redactSecrets } from "./secret-forms.js";

describe("secrets echoed back by a provider are redacted in every form the request carried them", () => {
  const password = 'Pa$$ w0rd+x/y&z="1"';
  const echoed = [
    password,
    encodeURIComponent(password),
    new URLSearchParams({ password }).toString().slice("password=".length),
    JSON.stringify(password).slice(1, -1),
  ];

  it("redactSecrets: plain, URL-encoded, form-encoded and JSON-escaped", () => {
    for (const form of echoed)
      expect(redactSecrets(`before ${form} after`, [password])).toBe("before [redacted] after");
    expect(redactSecrets("short ab", ["ab"], 6)).toBe("short ab");
  });

  it("a Salesforce token error that echoes the form-encoded request names neither the password nor the client secret", () => {
    const clientSecret = "cs+SFCS/1=2 x";
    const body = new URLSearchParams({
      grant_type: "password",
      client_secret: clientSecret,
      password: `${password}TOKEN123456`,
    }).toString();
    const error = tokenError(
      400,
      "application/json",
      JSON.stringify({ error: "invalid_grant", error_description: `authentication failure for ${body}` }),
      [clientSecret, password, "TOKEN123456"],
    );
    const shown = JSON.stringify({ message: error.message, details: error.details });
    expect(shown).toContain("[redacted]");
    for (const form of [clientSecret, encodeURIComponent(clientSecret), "SFCS", "w0rd", "TOKEN123456"])
      expect(shown).not.toContain(form);
  });

  it("a channel's provider error (Vonage's secret in a query) is redacted URL-encoded too", () => {
    const secret = "abc/def+ghi=";
    expect(redact(`GET /account?api_secret=${encodeURIComponent(secret)}`, [secret])).toBe(
      "GET /account?api_secret=[redacted]",
    );
  });
});
