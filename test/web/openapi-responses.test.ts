import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../scripts/api-types.js";
import { documentedBodyRoutes } from "../../src/server/api-docs-bodies.js";
import { SUCCESS_STATUS } from "../../src/server/api-docs-responses.js";

type Response = { description?: string; content?: unknown; headers?: unknown; $ref?: string };
type Operation = { responses: Record<string, Response> };

/**
 * The OpenAPI document says what each admin route answers: 201, 202 or 204 where a route does not
 * answer 200, and the one error shape (`ApiError`) for 4XX and 5XX on every route.
 */
describe("the OpenAPI document's responses", () => {
  it("documents each route's success status and the shared error shape", async () => {
    const doc = (await openApiDocument()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
    };
    // A response is given in place or as a reference to a shared one.
    const resolve = (r: Response | undefined) =>
      r?.$ref ? doc.components.responses[r.$ref.replace("#/components/responses/", "")] : r;
    expect(doc.components.schemas.ApiError).toMatchObject({ required: ["error"] });
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    for (const { key, op } of operations) {
      for (const range of ["4XX", "5XX"]) {
        expect(JSON.stringify(resolve(op.responses[range])?.content), `${key} ${range}`).toContain(
          "#/components/schemas/ApiError",
        );
      }
      expect(
        Object.keys(op.responses).some((code) => /^2\d\d$/.test(code)),
        `${key} has a 2xx`,
      ).toBe(true);
    }
    // Every route of the table exists, and answers the status the table gives, not 200 (unless
    // 200 is its other answer: PUT of an unchanged flow file).
    for (const [route, { status, or }] of Object.entries(SUCCESS_STATUS)) {
      const [method, path] = route.split(" ") as [string, string];
      const op = doc.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method.toLowerCase()];
      expect(op, route).toBeDefined();
      expect(Object.keys(op?.responses ?? {}), route).toContain(String(status));
      if (or) expect(Object.keys(op?.responses ?? {}), route).toContain(String(or.status));
      if (or?.status !== 200) expect(Object.keys(op?.responses ?? {}), route).not.toContain("200");
    }
    // The main routes' answers have their schema (api-docs-bodies.ts), not "any object".
    for (const route of documentedBodyRoutes()) {
      const [method, path] = route.split(" ") as [string, string];
      const op = doc.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method.toLowerCase()];
      const success = Object.entries(op?.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      expect(success.length, route).toBeGreaterThan(0);
      for (const [code, response] of success) {
        const schema = (
          response.content as Record<string, { schema?: { properties?: unknown } }> | undefined
        )?.["application/json"]?.schema;
        expect(schema?.properties, `${route} ${code}`).toBeDefined();
      }
    }
    // The OAuth start redirects a browser (302 with Location) and answers JSON to a client that asks.
    const start = doc.paths["/api/v1/connections/{id}/oauth/start"]?.get?.responses ?? {};
    expect(Object.keys(start)).toEqual(expect.arrayContaining(["200", "302"]));
    expect(start["302"]).toMatchObject({ headers: { location: { schema: { type: "string" } } } });
    expect(start["302"]?.content).toBeUndefined();
    // Erasure answers 204, or 202 while PostgreSQL waits for a conversation's turn: both documented.
    expect(Object.keys(doc.paths["/api/v1/contacts/{id}"]?.delete?.responses ?? {})).toEqual(
      expect.arrayContaining(["202", "204"]),
    );
  }, 60_000);
});
