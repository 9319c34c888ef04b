import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * No lost edits: the admin API's flows, channels and connections carry an ETag, and a change
 * that sends it back in If-Match is refused (412, nothing stored) once someone else saved since.
 * Without If-Match everything behaves as before. Real HTTP on loopback, on both dialects; the
 * concurrent cases put two requests in flight at once.
 */
const flowFile = (text: string) => ({
  schema: "tern.flow/v1",
  name: "If-Match flow",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "hello", type: "send", text }],
});

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

describe("If-Match on the admin API", () => {
  let stack: Stack;
  let n = 0;
  const ifMatch = (value: string) => ({ "if-match": value });
  const put = (id: string, text: string, headers: Record<string, string> = {}) =>
    stack.http("PUT", `/api/v1/flows/${id}`, flowFile(text), headers);
  const latestOf = async (id: string) => {
    const res = await stack.http("GET", `/api/v1/flows/${id}`);
    expect(res.status).toBe(200);
    return { etag: res.headers.get("etag"), ...((await res.json()) as { latestVersion: number }) };
  };
  /** A new flow with `versions` versions. */
  const newFlow = async (versions = 1): Promise<string> => {
    const res = await stack.http("POST", "/api/v1/flows", flowFile(`hello ${n++}`));
    expect(res.status).toBe(201);
    expect(res.headers.get("etag")).toBe('"v1"');
    const { id } = (await res.json()) as { id: string };
    for (let v = 2; v <= versions; v++) expect((await put(id, `hello ${n++}`)).status).toBe(201);
    return id;
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("documents If-Match and ETag in the OpenAPI document", async () => {
    type Op = {
      parameters?: Array<{ in: string; name: string; required?: boolean }>;
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const doc = (await (await stack.http("GET", "/api/docs/json")).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    const op = (path: string, method: string) => doc.paths[`/api/v1${path}`]?.[method] as Op;
    for (const [path, method] of [
      ["/flows/{id}", "put"],
      ["/flows/{id}", "delete"],
      ["/flows/{id}/publish", "post"],
      ["/flows/{id}/unpublish", "post"],
      ["/channels/{id}", "patch"],
      ["/connections/{id}", "patch"],
      ["/channels/{id}", "delete"],
      ["/connections/{id}", "delete"],
      ["/channels/{id}/setup", "post"],
      ["/connections/{id}/disconnect", "post"],
    ] as const) {
      const header = op(path, method).parameters?.find((p) => p.in === "header" && p.name === "if-match");
      expect(header, `${method} ${path}`).toBeDefined();
      expect(header?.required ?? false).toBe(false);
    }
    expect(op("/flows/{id}", "get").responses["200"]?.headers).toHaveProperty("etag");
    expect(op("/flows/{id}", "put").responses["201"]?.headers).toHaveProperty("etag");
    expect(op("/channels/{id}", "get").responses["200"]?.headers).toHaveProperty("etag");
    expect(op("/connections/{id}", "patch").responses["200"]?.headers).toHaveProperty("etag");
  });

  describe("flows", () => {
    it("GET names the latest version in its ETag, as the versions list does", async () => {
      const id = await newFlow(3);
      expect(await latestOf(id)).toMatchObject({ etag: '"v3"', latestVersion: 3 });
      const versions = await stack.http("GET", `/api/v1/flows/${id}/versions`);
      expect(versions.headers.get("etag")).toBe('"v3"');
    });

    it("without If-Match a save is stored as before, and the answer names the new version", async () => {
      const id = await newFlow(2);
      const res = await put(id, "no condition");
      expect(res.status).toBe(201);
      expect(res.headers.get("etag")).toBe('"v3"');
      expect(await res.json()).toMatchObject({ id, version: 3 });
    });

    it("refuses a save based on an older version with 412 and stores nothing", async () => {
      const id = await newFlow(2);
      const res = await put(id, "based on v1", ifMatch('"v1"'));
      expect(res.status).toBe(412);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("PRECONDITION_FAILED");
      expect(body.error.message).toContain("version 2");
      expect(body.error.message).toContain("based on version 1");
      expect(body.error.details).toEqual({ currentVersion: 2, etag: '"v2"' });
      expect(await latestOf(id)).toMatchObject({ etag: '"v2"', latestVersion: 2 });
      const versions = (await (await stack.http("GET", `/api/v1/flows/${id}/versions`)).json()) as {
        items: unknown[];
      };
      expect(versions.items).toHaveLength(2);
    });

    it("stores a save based on the latest version (201) and answers the new ETag", async () => {
      const id = await newFlow(2);
      const res = await put(id, "based on v2", ifMatch('"v2"'));
      expect(res.status).toBe(201);
      expect(res.headers.get("etag")).toBe('"v3"');
      // A list matches when any of its tags is the current one.
      const listed = await put(id, "based on v3", ifMatch('"v1", "v3"'));
      expect(listed.status).toBe(201);
      expect(listed.headers.get("etag")).toBe('"v4"');
    });

    it("a weak tag never matches (strong comparison)", async () => {
      const id = await newFlow();
      const res = await put(id, "weak", ifMatch('W/"v1"'));
      expect(res.status).toBe(412);
      // Nothing was saved since: the 412 says the tag was weak, not that someone else saved.
      const { message } = ((await res.json()) as ErrorBody).error;
      expect(message).toContain("weak entity-tag");
      expect(message).not.toContain("saved since");
      expect((await latestOf(id)).latestVersion).toBe(1);
    });

    it("If-Match: * saves into an existing flow, and refuses (412) to create one", async () => {
      const id = await newFlow();
      const res = await put(id, "star", ifMatch("*"));
      expect(res.status).toBe(201);
      expect(res.headers.get("etag")).toBe('"v2"');
      const fresh = `if-match-new-${n++}`;
      const refused = await put(fresh, "star on nothing", ifMatch("*"));
      expect(refused.status).toBe(412);
      expect(((await refused.json()) as ErrorBody).error.code).toBe("PRECONDITION_FAILED");
      expect((await stack.http("GET", `/api/v1/flows/${fresh}`)).status).toBe(404);
      // Without If-Match the same PUT creates it, as before.
      expect((await put(fresh, "created")).status).toBe(201);
    });

    it.each(["v1", '"v1', "'v1'", '"v1" "v2"', '*, "v1"'])(
      "answers a malformed If-Match (%s) with 400, not a 500, and stores nothing",
      async (value) => {
        const id = await newFlow();
        const res = await put(id, "malformed", ifMatch(value));
        expect(res.status).toBe(400);
        const body = (await res.json()) as ErrorBody;
        expect(body.error.code).toBe("BAD_REQUEST");
        expect(body.error.message).toMatch(/if-match/i);
        expect(body.error.message).toContain("quoted entity-tags");
        expect((await latestOf(id)).latestVersion).toBe(1);
      },
    );

    it("of two saves in flight at once based on the same version, exactly one is stored", async () => {
      for (let round = 0; round < 5; round++) {
        const id = await newFlow();
        const answers = await Promise.all([
          put(id, `first ${round}`, ifMatch('"v1"')),
          put(id, `second ${round}`, ifMatch('"v1"')),
        ]);
        expect(answers.map((a) => a.status).sort()).toEqual([201, 412]);
        expect((await latestOf(id)).latestVersion).toBe(2);
      }
    });

    it("publish, unpublish and delete refuse a stale If-Match and change nothing", async () => {
      const id = await newFlow(2);
      const publish = await stack.http("POST", `/api/v1/flows/${id}/publish`, {}, ifMatch('"v1"'));
      expect(publish.status).toBe(412);
      expect(await latestOf(id)).toMatchObject({ publishedVersion: null });
      const published = await stack.http("POST", `/api/v1/flows/${id}/publish`, {}, ifMatch('"v2"'));
      expect(published.status).toBe(200);
      const unpublish = await stack.http("POST", `/api/v1/flows/${id}/unpublish`, undefined, ifMatch('"v1"'));
      expect(unpublish.status).toBe(412);
      expect(await latestOf(id)).toMatchObject({ publishedVersion: 2 });
      expect(
        (await stack.http("POST", `/api/v1/flows/${id}/unpublish`, undefined, ifMatch('"v2"'))).status,
      ).toBe(200);
      const remove = await stack.http("DELETE", `/api/v1/flows/${id}`, undefined, ifMatch('"v1"'));
      expect(remove.status).toBe(412);
      expect((await latestOf(id)).latestVersion).toBe(2);
      expect((await stack.http("DELETE", `/api/v1/flows/${id}`, undefined, ifMatch('"v2"'))).status).toBe(
        204,
      );
    });
  });

  it("a flow deleted and imported again under its id numbers on, so an ETag read before the delete changes nothing", async () => {
    const id = `reimported-${n++}`;
    expect((await put(id, "first")).status).toBe(201);
    expect((await put(id, "second")).status).toBe(201);
    const stale = await latestOf(id);
    expect(stale.etag).toBe('"v2"');
    expect((await stack.http("DELETE", `/api/v1/flows/${id}`)).status).toBe(204);

    const again = await put(id, "imported again");
    expect(again.status).toBe(201);
    expect(again.headers.get("etag")).toBe('"v3"');
    expect((await put(id, "edited")).headers.get("etag")).toBe('"v4"');
    // An editor still open on the deleted flow's version 2 saves: refused, nothing stored.
    const res = await put(id, "from the stale editor", ifMatch(stale.etag as string));
    expect(res.status).toBe(412);
    expect(((await res.json()) as ErrorBody).error.details).toEqual({ currentVersion: 4, etag: '"v4"' });
    const versions = await stack.http("GET", `/api/v1/flows/${id}/versions`);
    const { items } = (await versions.json()) as { items: Array<{ version: number }> };
    expect(items.map((v) => v.version)).toEqual([4, 3]);
  });

  /** Channels and connections: one shape, one ETag (the row's revision). */
  const resources = [
    {
      path: "/api/v1/connections",
      action: "disconnect",
      refusal: "CONFLICT",
      create: () => ({
        type: "http",
        name: `api-${n++}`,
        config: { auth: "bearer", baseUrl: "https://api.example.com", token: "secret-1" },
      }),
    },
    {
      path: "/api/v1/channels",
      action: "setup",
      refusal: "BAD_REQUEST",
      create: () => {
        const account = String(1000 + n++);
        return {
          type: "whatsapp",
          name: `wa-${account}`,
          config: { phoneNumberId: account, accessToken: "a", appSecret: "s", verifyToken: "v" },
        };
      },
    },
  ];

  describe.each(resources)("$path", ({ path, action, refusal, create }) => {
    const make = async () => {
      const res = await stack.http("POST", path, create());
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; revision: string };
      expect(res.headers.get("etag")).toBe(`"${body.revision}"`);
      return body.id;
    };
    const read = async (id: string) => {
      const res = await stack.http("GET", `${path}/${id}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { name: string; revision: string };
      expect(res.headers.get("etag")).toBe(`"${body.revision}"`);
      return { etag: res.headers.get("etag") ?? "", name: body.name };
    };
    const patch = (id: string, name: string, headers: Record<string, string> = {}) =>
      stack.http("PATCH", `${path}/${id}`, { name }, headers);

    it("refuses a PATCH based on an older read with 412 and changes nothing", async () => {
      const id = await make();
      const before = await read(id);
      expect((await patch(id, `${before.name}-other`)).status).toBe(200);
      const now = await read(id);
      expect(now.etag).not.toBe(before.etag);
      const res = await patch(id, `${before.name}-mine`, ifMatch(before.etag));
      expect(res.status).toBe(412);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("PRECONDITION_FAILED");
      expect(body.error.details).toMatchObject({ etag: now.etag });
      expect(await read(id)).toEqual(now);
    });

    it("takes a PATCH with the current ETag and answers the new one", async () => {
      const id = await make();
      const before = await read(id);
      const res = await patch(id, `${before.name}-renamed`, ifMatch(before.etag));
      expect(res.status).toBe(200);
      const after = await read(id);
      expect(after.name).toBe(`${before.name}-renamed`);
      expect(res.headers.get("etag")).toBe(after.etag);
      expect(after.etag).not.toBe(before.etag);
    });

    // A PATCH that changes nothing keeps the ETag (unchanged-patch.test.ts); every change gets its own.
    it("gives every update its own ETag, even two at once", async () => {
      const id = await make();
      const { name } = await read(id);
      const seen = new Set<string | null>();
      for (let i = 0; i < 3; i++) {
        const answers = await Promise.all([patch(id, `${name}-${i}a`), patch(id, `${name}-${i}b`)]);
        for (const a of answers) seen.add(a.headers.get("etag"));
      }
      expect(seen.size).toBe(6);
    });

    it("of two PATCHes in flight at once based on the same read, exactly one changes it", async () => {
      const id = await make();
      const before = await read(id);
      const answers = await Promise.all([
        patch(id, `${before.name}-a`, ifMatch(before.etag)),
        patch(id, `${before.name}-b`, ifMatch(before.etag)),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const winner = answers.findIndex((a) => a.status === 200);
      expect((await read(id)).name).toBe(`${before.name}-${winner === 0 ? "a" : "b"}`);
    });

    it("refuses a DELETE based on an older read with 412 and keeps it; the current ETag deletes", async () => {
      const id = await make();
      const before = await read(id);
      expect((await patch(id, `${before.name}-other`)).status).toBe(200);
      const now = await read(id);
      const res = await stack.http("DELETE", `${path}/${id}`, undefined, ifMatch(before.etag));
      expect(res.status).toBe(412);
      expect(((await res.json()) as ErrorBody).error.code).toBe("PRECONDITION_FAILED");
      expect(await read(id)).toEqual(now);
      expect((await stack.http("DELETE", `${path}/${id}`, undefined, ifMatch(now.etag))).status).toBe(204);
      expect((await stack.http("GET", `${path}/${id}`)).status).toBe(404);
    });

    it(`refuses POST …/${action} based on an older read with 412 before anything else`, async () => {
      const id = await make();
      const before = await read(id);
      expect((await patch(id, `${before.name}-other`)).status).toBe(200);
      const now = await read(id);
      const stale = await stack.http("POST", `${path}/${id}/${action}`, undefined, ifMatch(before.etag));
      expect(stale.status).toBe(412);
      expect(((await stale.json()) as ErrorBody).error).toMatchObject({
        code: "PRECONDITION_FAILED",
        details: { etag: now.etag },
      });
      expect(await read(id)).toEqual(now);
      // The current ETag passes the check; this type then refuses the action for its own reason
      // (an http connection has no OAuth tokens; a WhatsApp webhook is set in Meta's console).
      const current = await stack.http("POST", `${path}/${id}/${action}`, undefined, ifMatch(now.etag));
      expect(((await current.json()) as ErrorBody).error.code).toBe(refusal);
      expect(await read(id)).toEqual(now);
    });

    it(`answers malformed input to POST …/${action} with a 4xx and changes nothing`, async () => {
      const id = await make();
      const before = await read(id);
      const post = (target: string, body?: string, headers: Record<string, string> = {}) =>
        stack.http("POST", `${path}/${target}/${action}`, body, headers);
      const answers = [
        await post(id, undefined, ifMatch(before.etag.replaceAll('"', ""))), // not a quoted tag
        await post(id, undefined, ifMatch("")),
        await post("%E0%A4%A", undefined, ifMatch(before.etag)), // bad percent-encoding
        await post(id, "{", { "content-type": "application/json", ...ifMatch(before.etag) }),
        await post(id, "x=1", { "content-type": "application/x-www-form-urlencoded" }),
      ];
      for (const answer of answers) {
        expect(answer.status, await answer.clone().text()).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(((await answer.json()) as ErrorBody).error.code).toMatch(/^[A-Z_]+$/);
      }
      expect(await read(id)).toEqual(before);
    });

    it("says a weak tag of the current read never matches, not that it was changed", async () => {
      const id = await make();
      const before = await read(id);
      const res = await patch(id, `${before.name}-weak`, ifMatch(`W/${before.etag}`));
      expect(res.status).toBe(412);
      const { message } = ((await res.json()) as ErrorBody).error;
      expect(message).toContain("weak entity-tag");
      expect(message).not.toContain("changed since this edit");
      expect(await read(id)).toEqual(before);
    });

    it("answers a malformed If-Match with 400 and changes nothing", async () => {
      const id = await make();
      const before = await read(id);
      const res = await patch(id, `${before.name}-x`, ifMatch(before.etag.replaceAll('"', "")));
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe("BAD_REQUEST");
      expect(await read(id)).toEqual(before);
    });
  });
});
