import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium: the browser tests use the system package, never a downloaded browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Installs Chromium through apt when it is missing (the project's own setup, so `npm test` works
 * on a fresh Debian or Ubuntu machine run as root), and says plainly what to do when it cannot.
 * Asynchronous: an install takes a minute or more, and a test worker whose event loop is held
 * that long misses vitest's RPC deadline (60 s), which failed the whole run on a fresh machine.
 */
export async function ensureChromium(
  deps: { exists?: (path: string) => boolean; aptGet?: (args: string[]) => Promise<void> } = {},
): Promise<void> {
  const exists = deps.exists ?? existsSync;
  const apt = deps.aptGet ?? aptGet;
  if (exists(CHROMIUM_PATH)) return;
  try {
    try {
      await apt(["install", "-y", "chromium"]);
    } catch {
      if (exists(CHROMIUM_PATH)) return;
      // A fresh image has no package lists yet.
      await apt(["update"]);
      await apt(["install", "-y", "chromium"]);
    }
  } catch (cause) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM_PATH} and could not install it ` +
        "(`apt-get install -y chromium` failed: not root, or no apt). Install it with the system " +
        "package manager, then run the tests again.",
      { cause },
    );
  }
  if (!exists(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  }
}

/** `apt-get <args>`, its output shown; rejects unless it exits 0. */
function aptGet(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Two browser test files may start at once: the second waits for dpkg's lock, then finds it installed.
    const child = spawn("apt-get", ["-o", "DPkg::Lock::Timeout=600", ...args], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`apt-get ${args.join(" ")} ended with ${signal ?? `code ${code}`}`)),
    );
  });
}

export async function launchChromium(): Promise<Browser> {
  await ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}
