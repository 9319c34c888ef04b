import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { FetchError, requestOutcome } from "./fetch.js";

describe("requestOutcome", () => {
  it("takes our client's own knowledge of whether the request was written", () => {
    expect(requestOutcome(new FetchError("x", { isRequestSent: false, reason: "timeout" }))).toBe("not_sent");
    expect(requestOutcome(new FetchError("x", { isRequestSent: true, reason: "network" }))).toBe("unknown");
  });

  it("knows a refused connection of Node's built-in fetch was never sent", async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(requestOutcome(error)).toBe("not_sent");
  });

  it("counts anything it does not recognise as unknown: assuming 'not sent' is what duplicates", () => {
    expect(requestOutcome(new TypeError("fetch failed", { cause: new Error("other side closed") }))).toBe(
      "unknown",
    );
    expect(requestOutcome(new DOMException("The operation was aborted", "AbortError"))).toBe("unknown");
    expect(requestOutcome("boom")).toBe("unknown");
  });
});
