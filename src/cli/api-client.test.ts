import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "./api-client.js";

/** The CLI's client reads its server and token as the server reads its variables: blank is unset. */
describe("the CLI's admin API client", () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-api-client-"));
    writeFileSync(path.join(dir, "admin-token"), "file-token\n");
    server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"error":{"code":"UNAUTHORIZED","message":"Missing or wrong admin token"}}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes a blank TERN_URL, TERN_PORT and TERN_ADMIN_TOKEN as unset", async () => {
    const defaults = createApiClient({ TERN_URL: "", TERN_PORT: " ", TERN_ADMIN_TOKEN: "x" });
    expect(defaults.baseUrl).toBe("http://localhost:3000");
    const client = createApiClient({ TERN_URL: url, TERN_ADMIN_TOKEN: "", TERN_DATA_DIR: dir });
    await expect(client.request("GET", "/flows")).rejects.toThrow(/401/);
    expect(seen.at(-1)).toBe("Bearer file-token");
  });

  it("says which server refused the token", async () => {
    const client = createApiClient({ TERN_URL: url, TERN_ADMIN_TOKEN: "wrong" });
    await expect(client.request("GET", "/flows")).rejects.toThrow(`asked Tern at ${url}`);
  });

  it("without a token anywhere, says where to put one", () => {
    expect(() => createApiClient({ TERN_ADMIN_TOKEN: "", TERN_DATA_DIR: path.join(dir, "none") })).toThrow(
      /No admin token: set TERN_ADMIN_TOKEN/,
    );
  });
});
