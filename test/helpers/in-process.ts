import { type SandboxedTern, startSandboxedTern } from "../../src/sandbox/sandboxed-tern.js";

/** Tern in this process on a fresh data directory, wired to a fresh sandbox through the admin API. */
export interface Stack extends SandboxedTern {
  /** Raw fetch against Tern with the admin token. */
  http(method: string, apiPath: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startStack(options: { flow?: unknown; tokenLatencyMs?: number } = {}): Promise<Stack> {
  const started = await startSandboxedTern({ ...options, logLevel: "silent" });
  const { tern } = started;
  return {
    ...started,
    http(method, apiPath, body, headers = {}) {
      return fetch(`${tern.url}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${tern.dataDir.adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    },
  };
}

/** Polls a condition that another process or the worker makes true (no fixed sleeps). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
