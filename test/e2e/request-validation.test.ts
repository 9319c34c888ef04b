import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toJsonPath } from "../../src/server/errors.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/** Schema errors on admin requests say which part of the request is wrong, and where, as a JSON path. */
describe("admin request validation errors", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  type Problem = { in: string; path: string; message: string };
  const problemsOf = async (res: Response) => {
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { problems: Problem[] } };
    };
    expect(body.error.code).toBe("BAD_REQUEST");
    return body.error;
  };

  it("names the root of an invalid body '$', not '$.' (found by the admin fuzz)", async () => {
    const error = await problemsOf(
      await stack.http("PATCH", `/api/v1/channels/${stack.setup.channelId}`, []),
    );
    expect(error.details.problems).toEqual([{ in: "body", path: "$", message: expect.any(String) }]);
    expect(error.message).toMatch(/^Invalid body: \$: /);
  });

  it("points into the body with the same JSON paths as flow validation", async () => {
    const error = await problemsOf(
      await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/publish`, { version: "one" }),
    );
    expect(error.details.problems.map((p) => [p.in, p.path])).toEqual([["body", "$.version"]]);
  });

  it("refuses a misspelt key in a publish body instead of publishing the latest version (found by an OpenAPI audit)", async () => {
    const flowId = stack.setup.flowId;
    const flow = (await (await stack.http("GET", `/api/v1/flows/${flowId}`)).json()) as {
      definition: { name: string };
      publishedVersion: number;
    };
    const next = await stack.http("PUT", `/api/v1/flows/${flowId}`, {
      ...flow.definition,
      name: `${flow.definition.name} (draft)`,
    });
    expect(next.status).toBe(201);
    const error = await problemsOf(
      await stack.http("POST", `/api/v1/flows/${flowId}/publish`, { verison: flow.publishedVersion }),
    );
    expect(error.message).toContain("verison");
    const after = (await (await stack.http("GET", `/api/v1/flows/${flowId}`)).json()) as {
      publishedVersion: number;
    };
    expect(after.publishedVersion).toBe(flow.publishedVersion);
  });

  it("refuses an empty id filter instead of listing every run (found by an OpenAPI audit)", async () => {
    for (const filter of ["flowId", "stepId", "contactId", "channelId"]) {
      const error = await problemsOf(await stack.http("GET", `/api/v1/runs?${filter}=`));
      expect(error.details.problems, filter).toEqual([
        { in: "querystring", path: `$.${filter}`, message: expect.any(String) },
      ]);
      const ended = await stack.http("POST", "/api/v1/runs/end", { [filter]: "", olderThan: "PT0S" });
      expect(ended.status, filter).toBe(400);
    }
  });

  it("refuses a body on a route that takes none instead of ignoring it (found by an OpenAPI audit)", async () => {
    const before = (await (await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}`)).json()) as {
      publishedVersion: number;
    };
    for (const [method, path, body] of [
      ["POST", `/api/v1/flows/${stack.setup.flowId}/unpublish`, { reason: "typo" }],
      ["POST", "/api/v1/runs/run_nope/end", { reason: "spam" }],
      ["DELETE", `/api/v1/flows/${stack.setup.flowId}`, { force: true }],
      ["POST", `/api/v1/flows/${stack.setup.flowId}/unpublish`, [1]],
    ] as const) {
      const res = await stack.http(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /takes no request body/,
      );
    }
    const after = (await (await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}`)).json()) as {
      publishedVersion: number;
    };
    expect(after.publishedVersion).toBe(before.publishedVersion);
    // No body, or an empty one, is none.
    expect((await stack.http("POST", "/api/v1/runs/run_nope/end", {})).status).toBe(404);
    expect((await stack.http("POST", "/api/v1/runs/run_nope/end")).status).toBe(404);
  });

  it("holds the session routes to the same rules: an unknown query parameter or an unexpected body is a 400, and signs nobody in or out (found by an outside audit)", async () => {
    const token = stack.tern.dataDir.adminToken;
    const signIn = await fetch(`${stack.tern.url}/api/v1/session?foo=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(signIn.status).toBe(400);
    expect(signIn.headers.get("set-cookie")).toBeNull();
    expect((await problemsOf(signIn)).message).toContain("foo");
    expect((await fetch(`${stack.tern.url}/api/v1/session?foo=1`)).status).toBe(400);
    const signOut = await fetch(`${stack.tern.url}/api/v1/session`, {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ all: true }),
    });
    expect(signOut.status).toBe(400);
    expect(((await signOut.json()) as { error: { message: string } }).error.message).toMatch(
      /takes no request body/,
    );
    // The plain forms still work.
    expect((await fetch(`${stack.tern.url}/api/v1/session`)).status).toBe(401);
  });

  it("refuses a flow name with a control character or half a surrogate pair: the stores kept it differently (found by an outside audit)", async () => {
    for (const name of ["Ops\u0000flow", "Ops\nflow", "Ops\ud800flow"]) {
      const res = await stack.http("POST", "/api/v1/flows", {
        schema: "tern.flow/v1",
        name,
        trigger: { type: "api" },
        steps: [{ id: "s", type: "send", text: "x" }],
      });
      expect(res.status, JSON.stringify(name)).toBe(422);
      expect(await res.text()).toContain("control characters");
    }
    const names = (
      (await (await stack.http("GET", "/api/v1/flows")).json()) as { items: Array<{ name: string }> }
    ).items;
    expect(names.filter((f) => f.name.startsWith("Ops"))).toEqual([]);
  });

  it("says when the query string is what is wrong", async () => {
    const error = await problemsOf(await stack.http("GET", "/api/v1/runs?limit=0"));
    expect(error.details.problems.map((p) => [p.in, p.path])).toEqual([["querystring", "$.limit"]]);
  });

  it("refuses a misspelt query filter instead of answering as if there were none", async () => {
    const flowId = stack.setup.flowId;
    for (const path of [
      "/api/v1/runs?stauts=failed",
      `/api/v1/flows/${flowId}/stats?verison=1`,
      `/api/v1/flows/${flowId}/diff?from=1&to=1&form=2`,
      `/api/v1/flows/${flowId}/export?vesrion=1`,
      `/api/v1/channels/${stack.setup.channelId}/rejected-events?limt=5`,
      "/api/v1/flows?stauts=published",
      `/api/v1/runs/run_nope?stauts=1`,
    ]) {
      const error = await problemsOf(await stack.http("GET", path));
      expect(error.details.problems, path).toEqual([
        { in: "querystring", path: "$", message: expect.stringMatching(/stauts|verison|form|vesrion|limt/) },
      ]);
    }
    expect((await stack.http("GET", "/api/v1/runs?status=failed")).status).toBe(200);
  });

  it("refuses a runs cursor whose time no run can have, 400 not 500 (PostgreSQL's bigint; found by an outside audit)", async () => {
    for (const cursor of ["99999999999999999999:run_x", "9223372036854775808:run_x"]) {
      const error = await problemsOf(await stack.http("GET", `/api/v1/runs?cursor=${cursor}`));
      expect(error.details.problems.map((p) => [p.in, p.path])).toEqual([["querystring", "$.cursor"]]);
    }
    expect((await stack.http("GET", "/api/v1/runs?cursor=1764752400000:run_x")).status).toBe(200);
  });

  it("refuses an age over 100 years, 400 not 500 (PostgreSQL's bigint); one older than the epoch matches no run (found by an outside audit)", async () => {
    const error = await problemsOf(await stack.http("GET", "/api/v1/runs?olderThan=P99999999999W"));
    expect(error.details.problems.map((p) => [p.in, p.path])).toEqual([["querystring", "$.olderThan"]]);
    expect((await stack.http("POST", "/api/v1/runs/end", { olderThan: "PT999999999999999H" })).status).toBe(
      400,
    );
    const listed = await stack.http("GET", "/api/v1/runs?olderThan=P36000D");
    expect(await listed.json()).toEqual({ items: [], nextCursor: null });
    const ended = await stack.http("POST", "/api/v1/runs/end", { olderThan: "P36000D" });
    expect(await ended.json()).toEqual({ ended: 0 });
  });

  it("refuses a version number beyond the stores' integer columns, 400 not 500 (PostgreSQL; found by an outside audit)", async () => {
    const flow = `/api/v1/flows/${stack.setup.flowId}`;
    const big = 3_000_000_000;
    for (const [method, path, body] of [
      ["GET", `/api/v1/runs?flowVersion=${big}`],
      ["GET", `${flow}/stats?version=${big}`],
      ["GET", `${flow}/export?version=${big}`],
      ["GET", `${flow}/diff?from=1&to=${big}`],
      ["POST", `${flow}/publish`, { version: big }],
      ["POST", "/api/v1/runs/end", { flowId: stack.setup.flowId, flowVersion: big }],
    ] as Array<[string, string, unknown?]>) {
      const res = await stack.http(method, path, body);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(400);
    }
  });

  it("answers 400, not 500, for a value zod itself throws on (found by the WhatsApp parser fuzz)", async () => {
    const hostile = JSON.parse('{"length":[{"toString":null}]}');
    const error = await problemsOf(
      await stack.http("POST", "/api/v1/connections", { type: "salesforce", name: hostile, config: {} }),
    );
    expect(error.details.problems[0]).toMatchObject({
      in: "body",
      message: expect.stringMatching(/could not be read/),
    });
  });

  it("refuses a JSON body declared in another charset than UTF-8 (415), and changes nothing", async () => {
    const before = await (await stack.http("GET", "/api/v1/flows")).json();
    const flow = {
      schema: "tern.flow/v1",
      name: "x",
      trigger: { type: "api" },
      steps: [{ id: "s", type: "send", text: "é" }],
    };
    for (const charset of ["utf-16", "latin1"]) {
      const res = await stack.http("POST", "/api/v1/flows", flow, {
        "content-type": `application/json; charset=${charset}`,
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `Unsupported charset (${charset}): send the JSON body as UTF-8.`,
      );
    }
    expect(await (await stack.http("GET", "/api/v1/flows")).json()).toEqual(before);
    const utf8 = await stack.http("POST", "/api/v1/flows/validate", flow, {
      "content-type": 'application/json; charset="UTF-8"',
    });
    expect(utf8.status).toBe(200);
  });

  it("converts validator instance paths to JSON paths", () => {
    expect(toJsonPath("/")).toBe("$");
    expect(toJsonPath("")).toBe("$");
    expect(toJsonPath(undefined)).toBe("$");
    expect(toJsonPath("/config/0/name")).toBe("$.config[0].name");
    expect(toJsonPath("/a~1b/weird key")).toBe('$["a/b"]["weird key"]');
  });
});
