import { describe, expect, it } from "vitest";
import { HOME, nextPage } from "./next-page";

const origin = "https://tern.example.com";

describe("the page a sign-in returns to", () => {
  it("takes a path of this app, with its query", () => {
    expect(nextPage("/contacts", origin)).toBe("/contacts");
    expect(nextPage("/runs?status=failed&contactId=ct_1", origin)).toBe("/runs?status=failed&contactId=ct_1");
    expect(nextPage("/flows/flow_1/edit", origin)).toBe("/flows/flow_1/edit");
  });

  it("refuses what the browser reads as another site (a backslash, a tab, two slashes)", () => {
    for (const next of [
      "/\\evil.example/x",
      "/\t/evil.example",
      "/\n/evil.example",
      "//evil.example",
      "/%5Cevil.example",
      "/a/..//evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "evil.example",
    ]) {
      const page = nextPage(next, origin);
      expect(new URL(page, origin).origin, next).toBe(origin);
      expect(page.startsWith("//"), next).toBe(false);
    }
    expect(nextPage("/\\evil.example/x", origin)).toBe(HOME);
    expect(nextPage("/\t/evil.example", origin)).toBe(HOME);
  });

  it("goes to the flows without a next, or back to sign-in", () => {
    expect(nextPage(null, origin)).toBe(HOME);
    expect(nextPage("", origin)).toBe(HOME);
    expect(nextPage("/", origin)).toBe("/");
    expect(nextPage("/sign-in?next=/runs", origin)).toBe(HOME);
  });
});
