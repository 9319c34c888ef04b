import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact-url.js";

describe("a database URL as Tern prints it", () => {
  it("hides the password in the user part and in the query string, and keeps the rest", () => {
    expect(redactUrl("postgres://tern:s3cret@db:5432/tern")).toBe("postgres://tern:***@db:5432/tern");
    const shown = redactUrl(
      "postgresql://postgres@127.0.0.1:5432/db?password=QueryPw99&sslmode=disable&sslpassword=k3y",
    );
    expect(shown).not.toContain("QueryPw99");
    expect(shown).not.toContain("k3y");
    expect(shown).toContain("sslmode=disable");
    expect(shown).toContain("password=***");
  });

  it("says so instead of echoing a URL it cannot read", () => {
    expect(redactUrl("postgres://tern:pw@[bad")).toBe("(unparseable URL)");
  });
});
