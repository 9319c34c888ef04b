import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { loadConfig } from "../src/config.js";
import { startTern } from "../src/main.js";

/**
 * The browser client's types (web/src/api/openapi.d.ts) from the OpenAPI document the server
 * builds: `npm run gen:api` writes them, test/web/openapi-types.test.ts checks the committed file
 * still matches, so a route changed on the server without regenerating fails the tests.
 */
export const API_TYPES_FILE = fileURLToPath(new URL("../web/src/api/openapi.d.ts", import.meta.url));

const HEADER = `/**
 * Generated from the server's OpenAPI document (/api/docs/json); do not edit: \`npm run gen:api\`.
 * The browser client (client.ts) checks every path, body and query it sends against \`paths\`.
 */

`;

/** The document served at /api/docs/json by a Tern in this process (SQLite in a temp dir, no sandbox). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-openapi-"));
  // Only these settings: the developer's own TERN_* environment must not change the document.
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dataDir,
      TERN_LOG_LEVEL: "silent",
      TERN_SANDBOX: "off",
      TERN_API_DOCS: "public",
    }),
    runWorker: false,
  });
  try {
    const answer = await tern.app.inject({ method: "GET", url: "/api/docs/json" });
    if (answer.statusCode !== 200) throw new Error(`/api/docs/json answered ${answer.statusCode}`);
    return answer.json();
  } finally {
    await tern.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The TypeScript source of web/src/api/openapi.d.ts for a document. */
export async function apiTypesSource(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as unknown as OpenAPI3, { alphabetize: true });
  return HEADER + astToString(ast);
}
