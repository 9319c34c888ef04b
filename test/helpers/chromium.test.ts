import { describe, expect, it } from "vitest";
import { CHROMIUM_PATH, ensureChromium } from "./chromium.js";

describe("ensureChromium (the browser tests' setup)", () => {
  it("does nothing when Debian's Chromium is there", async () => {
    const calls: string[][] = [];
    await ensureChromium({
      exists: () => true,
      aptGet: async (args) => {
        calls.push(args);
      },
    });
    expect(calls).toEqual([]);
  });

  it("installs chromium through apt-get, updating the package lists when the first try fails", async () => {
    const calls: string[][] = [];
    let installed = false;
    await ensureChromium({
      exists: () => installed,
      aptGet: async (args) => {
        calls.push(args);
        if (args[0] === "install" && calls.length === 1) throw new Error("Unable to locate package chromium");
        if (args[0] === "install") installed = true;
      },
    });
    expect(calls).toEqual([["install", "-y", "chromium"], ["update"], ["install", "-y", "chromium"]]);
  });

  it("says what to do when it cannot install it", async () => {
    await expect(
      ensureChromium({
        exists: () => false,
        aptGet: async () => {
          throw new Error("E: Could not open lock file - are you root?");
        },
      }),
    ).rejects.toThrow(
      `The browser tests need Debian's Chromium at ${CHROMIUM_PATH} and could not install it`,
    );
  });
});
