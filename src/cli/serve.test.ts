import { describe, expect, it } from "vitest";
import { apiDocsHint } from "./serve.js";

/** The start banner points at /api/docs only where TERN_API_DOCS serves it. */
describe("apiDocsHint", () => {
  const url = "http://localhost:3000";
  it("points at the docs when they are public", () => {
    expect(apiDocsHint(url, "public")).toBe("   (docs: http://localhost:3000/api/docs)");
  });
  it("says the admin token is needed when TERN_API_DOCS=token", () => {
    expect(apiDocsHint(url, "token")).toContain("with the admin token");
  });
  it("points nowhere when TERN_API_DOCS=off (the route is a 404)", () => {
    expect(apiDocsHint(url, "off")).toBe("");
  });
});
