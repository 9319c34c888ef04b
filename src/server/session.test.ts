import { describe, expect, it } from "vitest";
import { csrfOf, parseCookies, throttleKeyOf } from "./session.js";

describe("session helpers", () => {
  it("reads cookies from a Cookie header: first of a repeated name, quoted values, junk ignored", () => {
    const cookies = parseCookies('a=1; tern_session=abc; =x; junk; tern_session=later; q="quoted"; e=');
    expect(cookies.get("tern_session")).toBe("abc");
    expect(cookies.get("a")).toBe("1");
    expect(cookies.get("q")).toBe("quoted");
    expect(cookies.get("e")).toBe("");
    expect(cookies.has("junk")).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it("derives a CSRF value per session that differs between sessions", () => {
    expect(csrfOf("s1")).toBe(csrfOf("s1"));
    expect(csrfOf("s1")).not.toBe(csrfOf("s2"));
    expect(csrfOf("s1")).not.toContain("s1");
  });

  it("counts failed sign-ins per IPv4 address and per IPv6 /64", () => {
    expect(throttleKeyOf("203.0.113.7")).toBe("203.0.113.7");
    expect(throttleKeyOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(throttleKeyOf("2001:db8:1:2::1")).toBe(throttleKeyOf("2001:db8:1:2:ffff::9"));
    expect(throttleKeyOf("2001:db8:1:2::1")).not.toBe(throttleKeyOf("2001:db8:1:3::1"));
    expect(throttleKeyOf("not an address")).toBe("not an address");
  });
});
