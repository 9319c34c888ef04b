import { describe, expect, it } from "vitest";
import { pinnedSslMode } from "./ssl-mode.js";

describe("the sslmode handed to node-postgres", () => {
  it("writes prefer, require and verify-ca as the verify-full pg treats them as, and leaves the rest", () => {
    const at = "postgres://tern:pw@db.example:5432/tern";
    for (const mode of ["prefer", "require", "verify-ca"]) {
      expect(pinnedSslMode(`${at}?sslmode=${mode}`)).toBe(`${at}?sslmode=verify-full`);
      expect(pinnedSslMode(`${at}?application_name=x&sslmode=${mode}&connect_timeout=5`)).toBe(
        `${at}?application_name=x&sslmode=verify-full&connect_timeout=5`,
      );
    }
    for (const url of [
      at,
      `${at}?sslmode=disable`,
      `${at}?sslmode=verify-full`,
      `${at}?sslmode=no-verify`,
      // libpq's meaning asked for explicitly.
      `${at}?uselibpqcompat=true&sslmode=require`,
      `${at}?sslmode=require&uselibpqcompat=true`,
    ])
      expect(pinnedSslMode(url)).toBe(url);
  });
});
