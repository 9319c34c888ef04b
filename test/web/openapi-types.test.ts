import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, apiTypesSource, openApiDocument } from "../../scripts/api-types.js";

/**
 * The browser client is typed by web/src/api/openapi.d.ts; a route added or changed on the
 * server without regenerating it would leave the client checked against an old API.
 */
describe("web/src/api/openapi.d.ts", () => {
  it("matches the server's OpenAPI document (else: npm run gen:api)", async () => {
    const expected = await apiTypesSource(await openApiDocument());
    const committed = readFileSync(API_TYPES_FILE, "utf8");
    expect(
      committed === expected,
      `web/src/api/openapi.d.ts is out of date with the server's routes (${firstDifference(committed, expected)}): ` +
        "run `npm run gen:api` and commit it",
    ).toBe(true);
  }, 60_000);
});

/** Where the two first differ, so the failure names the route that changed. */
function firstDifference(committed: string, expected: string): string {
  const a = committed.split("\n");
  const b = expected.split("\n");
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? "")}, server ${JSON.stringify(b[at] ?? "")}`;
}
