import { describe, expect, it } from "vitest";
import { joinBaseUrl, unjoinableProblem } from "./base-url-join.js";

const joined = (base: string, url: string) => {
  const result = joinBaseUrl(base, url);
  return result.ok ? result.url.href : result.reason;
};

describe("joinBaseUrl", () => {
  it("keeps the base's path for a path from the root, as axios joins baseURL and url", () => {
    expect(joined("https://api.example.com/v1", "/orders/42")).toBe("https://api.example.com/v1/orders/42");
    expect(joined("https://api.example.com/v1/", "/orders/42")).toBe("https://api.example.com/v1/orders/42");
    expect(joined("https://api.example.com", "/orders/42")).toBe("https://api.example.com/orders/42");
    expect(joined("https://api.example.com/v1", "orders?page=2")).toBe(
      "https://api.example.com/v1/orders?page=2",
    );
  });

  it("refuses a protocol-relative URL and one that climbs above the base", () => {
    expect(joined("https://api.example.com/v1", "//api.example.com/v1/x")).toBe("protocol-relative");
    expect(joined("https://api.example.com/v1", "/\\evil.example/x")).toBe("protocol-relative");
    expect(joined("https://api.example.com/v1", "/../admin")).toBe("outside");
    expect(joined("https://api.example.com/v1", "/%2e%2e/admin")).toBe("outside");
    expect(joined("https://api.example.com/v1", "https://evil.example/v1/x")).toBe("outside");
  });
});

describe("unjoinableProblem", () => {
  it("names what no base could take, and leaves absolute URLs to the connection", () => {
    expect(unjoinableProblem("//evil.example/x")).toContain("starts with //");
    expect(unjoinableProblem("a/../../x")).toContain("leaves the connection's baseUrl");
    expect(unjoinableProblem("/orders/42")).toBeNull();
    expect(unjoinableProblem("https://evil.example/x")).toBeNull();
  });
});
