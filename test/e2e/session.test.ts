import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startTern, type Tern } from "../../src/main.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";

/**
 * Browser sign-in (src/server/session.ts) over real HTTP on loopback: cookies, CSRF, sign-out
 * across processes, expiry and throttling. Time is an injected clock moved by the tests.
 */
const HOUR_MS = 3_600_000;
const flow = {
  schema: "tern.flow/v1",
  name: "session test",
  trigger: { type: "api" },
  steps: [{ id: "s", type: "send", text: "x" }],
};

interface Running {
  tern: Tern;
  lines: string[];
  dir: string;
}

async function start(
  env: Record<string, string>,
  clock: { now(): number },
  dir = mkdtempSync(path.join(tmpdir(), "tern-session-")),
): Promise<Running> {
  const lines: string[] = [];
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dir,
      TERN_SANDBOX: "off",
      ...env,
    }),
    clock,
    runWorker: false,
    logger: createLogger("debug", { write: (line: string) => void lines.push(line) }),
  });
  return { tern, lines, dir };
}

/** The cookies a response sets, by name: `{ value, attributes }` (attributes lower-cased). */
function cookiesOf(response: Response): Map<string, { value: string; attributes: string[] }> {
  const cookies = new Map<string, { value: string; attributes: string[] }>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
    const at = pair.indexOf("=");
    cookies.set(pair.slice(0, at), {
      value: pair.slice(at + 1),
      attributes: attributes.map((a) => a.toLowerCase()),
    });
  }
  return cookies;
}

describe("browser sign-in (session cookie)", () => {
  const adminToken = `test_${randomBytes(16).toString("hex")}`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  let database: TestDatabaseEnv;
  let main: Running;
  const extra: Running[] = [];
  /** Every session id and CSRF value handed out, to look for in the logs. */
  const handedOut: string[] = [];

  beforeAll(async () => {
    database = await testDatabaseEnv({ secretKey: randomBytes(32).toString("hex"), adminToken });
    main = await start({ ...database.env, TERN_ADMIN_TOKEN: adminToken }, clock);
  });
  afterAll(async () => {
    for (const r of [main, ...extra]) {
      await r?.tern.close();
      if (r) rmSync(r.dir, { recursive: true, force: true });
    }
    await database?.drop();
  });

  const call = (
    tern: Tern,
    method: string,
    apiPath: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${tern.url}/api/v1${apiPath}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });

  async function signIn(tern: Tern, body: unknown = { token: adminToken }) {
    const response = await call(tern, "POST", "/session", { body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signedIn: true });
    const cookies = cookiesOf(response);
    const session = cookies.get("tern_session")?.value ?? "";
    const csrf = cookies.get("tern_csrf")?.value ?? "";
    expect(session).toMatch(/^[\w-]{40,}$/);
    expect(csrf).toMatch(/^[\w-]{40,}$/);
    handedOut.push(session, csrf);
    return { session, csrf, cookies, cookie: `tern_session=${session}; tern_csrf=${csrf}` };
  }

  const flowCount = async () =>
    (
      (await (
        await call(main.tern, "GET", "/flows", { headers: { authorization: `Bearer ${adminToken}` } })
      ).json()) as {
        items: unknown[];
      }
    ).items.length;

  it("signs in with the admin token: an opaque HttpOnly SameSite=Strict session cookie and a readable CSRF cookie", async () => {
    const { cookies, cookie } = await signIn(main.tern);
    const session = cookies.get("tern_session")?.attributes ?? [];
    const csrf = cookies.get("tern_csrf")?.attributes ?? [];
    expect(session).toEqual(
      expect.arrayContaining(["httponly", "samesite=strict", "path=/", "max-age=43200"]),
    );
    expect(session).not.toContain("secure");
    expect(csrf).toEqual(expect.arrayContaining(["samesite=strict", "path=/", "max-age=43200"]));
    expect(csrf).not.toContain("httponly");

    const current = await call(main.tern, "GET", "/session", { headers: { cookie } });
    expect(current.status).toBe(200);
    expect(await current.json()).toEqual({
      signedIn: true,
      expiresAt: new Date(now + 12 * HOUR_MS).toISOString(),
    });
    const flows = await call(main.tern, "GET", "/flows", { headers: { cookie } });
    expect(flows.status).toBe(200);
  });

  it("tells a browser that is not signed in how it may sign in: only the token when no user and password are set", async () => {
    const response = await call(main.tern, "GET", "/session");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        code: "UNAUTHORIZED",
        message: expect.stringMatching(/sign in/),
        details: { methods: ["token"] },
      },
    });
    // A dead session cookie gets the same answer.
    const expired = await call(main.tern, "GET", "/session", { headers: { cookie: "tern_session=gone" } });
    expect(((await expired.json()) as { error: { details: unknown } }).error.details).toEqual({
      methods: ["token"],
    });
  });

  it("answers wrong credentials 401 with a clear error and sets no cookie", async () => {
    for (const body of [{ token: `${adminToken}x` }, { user: "admin", password: "not configured here" }]) {
      const response = await call(main.tern, "POST", "/session", { body });
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie()).toEqual([]);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toMatch(/admin token|not configured/);
    }
    expect((await call(main.tern, "GET", "/session")).status).toBe(401);
    expect(
      (await call(main.tern, "GET", "/flows", { headers: { cookie: "tern_session=forged" } })).status,
    ).toBe(401);
  });

  it("refuses a signed-in POST without or with a wrong CSRF header, or from another origin (403, nothing changes), and accepts it with the header", async () => {
    const { cookie, csrf } = await signIn(main.tern);
    const before = await flowCount();
    const attempts: Record<string, string>[] = [
      {},
      { "x-tern-csrf": "" },
      { "x-tern-csrf": `${csrf}x` },
      { "x-tern-csrf": csrf, origin: "https://evil.example" },
      { "x-tern-csrf": csrf, origin: "null" },
    ];
    for (const headers of attempts) {
      const response = await call(main.tern, "POST", "/flows", {
        body: flow,
        headers: { cookie, ...headers },
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("CSRF_FAILED");
    }
    // The CSRF cookie itself must be sent: a header matching nothing proves nothing.
    const noCsrfCookie = await call(main.tern, "POST", "/flows", {
      body: flow,
      headers: { cookie: cookie.split(";")[0] ?? "", "x-tern-csrf": csrf },
    });
    expect(noCsrfCookie.status).toBe(403);
    // A CSRF cookie planted by someone else (a sibling subdomain) does not belong to this session.
    const planted = await call(main.tern, "POST", "/flows", {
      body: flow,
      headers: { cookie: `${cookie.split(";")[0]}; tern_csrf=planted`, "x-tern-csrf": "planted" },
    });
    expect(planted.status).toBe(403);
    expect(await flowCount()).toBe(before);

    const origin = new URL(main.tern.url).origin;
    const created = await call(main.tern, "POST", "/flows", {
      body: flow,
      headers: { cookie, "x-tern-csrf": csrf, origin },
    });
    expect(created.status).toBe(201);
    const withoutOrigin = await call(main.tern, "POST", "/flows", {
      body: flow,
      headers: { cookie, "x-tern-csrf": csrf },
    });
    expect(withoutOrigin.status).toBe(201);
    // Bearer requests are unaffected: no CSRF header needed.
    const bearer = await call(main.tern, "POST", "/flows", {
      body: flow,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(bearer.status).toBe(201);
    expect(await flowCount()).toBe(before + 3);
  });

  it("signs out: 204, both cookies cleared, and the old cookie is refused afterwards", async () => {
    const { cookie, csrf } = await signIn(main.tern);
    // Without the CSRF header (what a page of another site could send) the session stays.
    const forged = await call(main.tern, "DELETE", "/session", { headers: { cookie } });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("CSRF_FAILED");
    expect((await call(main.tern, "GET", "/session", { headers: { cookie } })).status).toBe(200);
    const out = await call(main.tern, "DELETE", "/session", { headers: { cookie, "x-tern-csrf": csrf } });
    expect(out.status).toBe(204);
    const cleared = cookiesOf(out);
    expect(cleared.get("tern_session")).toMatchObject({ value: "" });
    expect(cleared.get("tern_session")?.attributes).toContain("max-age=0");
    expect(cleared.get("tern_csrf")?.attributes).toContain("max-age=0");
    expect((await call(main.tern, "GET", "/session", { headers: { cookie } })).status).toBe(401);
    expect((await call(main.tern, "GET", "/flows", { headers: { cookie } })).status).toBe(401);
  });

  it("replaces the session of a browser that signs in again", async () => {
    const first = await signIn(main.tern);
    const again = await call(main.tern, "POST", "/session", {
      body: { token: adminToken },
      headers: { cookie: first.cookie },
    });
    expect(again.status).toBe(200);
    const second = cookiesOf(again).get("tern_session")?.value ?? "";
    expect(second).not.toBe(first.session);
    expect((await call(main.tern, "GET", "/session", { headers: { cookie: first.cookie } })).status).toBe(
      401,
    );
    const cookie = `tern_session=${second}`;
    expect((await call(main.tern, "GET", "/session", { headers: { cookie } })).status).toBe(200);
  });

  it("ends a session after its lifetime (12 h)", async () => {
    const { cookie } = await signIn(main.tern);
    now += 12 * HOUR_MS - 1_000;
    expect((await call(main.tern, "GET", "/flows", { headers: { cookie } })).status).toBe(200);
    now += 2_000;
    expect((await call(main.tern, "GET", "/flows", { headers: { cookie } })).status).toBe(401);
    const { error } = (await (await call(main.tern, "GET", "/session", { headers: { cookie } })).json()) as {
      error: { code: string };
    };
    expect(error.code).toBe("UNAUTHORIZED");
  });

  it("throttles failed sign-ins per address: 429 with Retry-After, even for the right token, until time passes", async () => {
    now += HOUR_MS; // a full bucket, whatever the tests before spent
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call(main.tern, "POST", "/session", { body: { token: `wrong-${i}` } })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await call(main.tern, "POST", "/session", { body: { token: adminToken } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.headers.getSetCookie()).toEqual([]);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_ATTEMPTS");
    now += Number(blocked.headers.get("retry-after")) * 1_000;
    await signIn(main.tern);
  });

  it("counts wrong bearer tokens with failed sign-ins: 429 after five, even for the right token, until time passes", async () => {
    now += HOUR_MS;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const guess = await call(main.tern, "GET", "/flows", {
        headers: { authorization: `Bearer guess-${i}` },
      });
      statuses.push(guess.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await call(main.tern, "GET", "/flows", {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // One bucket: the browser sign-in from that address waits as well.
    expect((await call(main.tern, "POST", "/session", { body: { token: adminToken } })).status).toBe(429);
    now += Number(blocked.headers.get("retry-after")) * 1_000;
    expect(await flowCount()).toBeGreaterThanOrEqual(0);
  });

  it("ends every session signed in with the old admin token once the token changes", async () => {
    const db = await testDatabaseEnv({ secretKey: randomBytes(32).toString("hex"), adminToken });
    try {
      const before = await start({ ...db.env, TERN_ADMIN_TOKEN: adminToken }, clock);
      const { cookie } = await signIn(before.tern);
      expect((await call(before.tern, "GET", "/session", { headers: { cookie } })).status).toBe(200);
      await before.tern.close();
      // The same data (database and key), restarted with a new token: the leaked one's sessions end.
      const rotated = `test_${randomBytes(16).toString("hex")}`;
      const after = await start({ ...db.env, TERN_ADMIN_TOKEN: rotated }, clock, before.dir);
      extra.push(after);
      expect((await call(after.tern, "GET", "/session", { headers: { cookie } })).status).toBe(401);
      const refused = await call(after.tern, "GET", "/flows", { headers: { cookie } });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /admin token or password that has changed/,
      );
      const fresh = await signIn(after.tern, { token: rotated });
      expect((await call(after.tern, "GET", "/flows", { headers: { cookie: fresh.cookie } })).status).toBe(
        200,
      );
    } finally {
      const after = extra.pop();
      await after?.tern.close();
      if (after) rmSync(after.dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it.runIf(testDialect === "postgres")(
    "a session works on a second Tern process on the same database, and signing out on one ends it on both",
    async () => {
      const second = await start({ ...database.env, TERN_ADMIN_TOKEN: adminToken }, clock);
      extra.push(second);
      const { cookie, csrf } = await signIn(main.tern);
      expect((await call(second.tern, "GET", "/session", { headers: { cookie } })).status).toBe(200);
      const created = await call(second.tern, "POST", "/flows", {
        body: flow,
        headers: { cookie, "x-tern-csrf": csrf },
      });
      expect(created.status).toBe(201);
      expect(
        (await call(main.tern, "DELETE", "/session", { headers: { cookie, "x-tern-csrf": csrf } })).status,
      ).toBe(204);
      expect((await call(second.tern, "GET", "/flows", { headers: { cookie } })).status).toBe(401);
    },
  );

  it("does not count requests that present no token: a scraper or page without one locks nobody out", async () => {
    // An outside audit: five token-less GET /metrics (a Prometheus job left without its token)
    // locked the right admin token out of that address, for everyone behind it.
    now += HOUR_MS;
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${main.tern.url}/metrics`)).status).toBe(401);
      expect((await call(main.tern, "GET", "/flows")).status).toBe(401);
      expect((await call(main.tern, "GET", "/flows", { headers: { authorization: "Bearer " } })).status).toBe(
        401,
      );
    }
    const allowed = await call(main.tern, "GET", "/flows", {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(allowed.status).toBe(200);
    await signIn(main.tern);
  });

  it("signs in with TERN_ADMIN_USER and TERN_ADMIN_PASSWORD, sets Secure cookies behind an https public URL, and logs neither credentials nor cookies", async () => {
    const db = await testDatabaseEnv({ secretKey: randomBytes(32).toString("hex"), adminToken });
    try {
      const other = await start(
        {
          ...db.env,
          TERN_ADMIN_TOKEN: adminToken,
          TERN_ADMIN_USER: "ops",
          TERN_ADMIN_PASSWORD: password,
          TERN_PUBLIC_URL: "https://tern.example.com",
        },
        clock,
      );
      extra.push(other);
      const before = await call(other.tern, "GET", "/session");
      expect(before.status).toBe(401);
      const beforeText = await before.text();
      expect(JSON.parse(beforeText).error.details).toEqual({ methods: ["token", "password"] });
      // Whether a user and password exist, never which ones.
      for (const secret of ["ops", password, adminToken]) expect(beforeText).not.toContain(secret);
      const wrong = await call(other.tern, "POST", "/session", {
        body: { user: "ops", password: `${password}!` },
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(
        /user or password/,
      );
      const { cookies, cookie, session, csrf } = await signIn(other.tern, { user: "ops", password });
      expect(cookies.get("tern_session")?.attributes).toEqual(
        expect.arrayContaining(["secure", "httponly", "samesite=strict"]),
      );
      expect(cookies.get("tern_csrf")?.attributes).toContain("secure");
      // The public URL's origin is this server too (a proxy may rewrite Host).
      const created = await call(other.tern, "POST", "/flows", {
        body: flow,
        headers: { cookie, "x-tern-csrf": csrf, origin: "https://tern.example.com" },
      });
      expect(created.status).toBe(201);
      // An origin is scheme, host and port: the public URL over http, or this server's own host
      // over http while it knows it is served over https, is another origin.
      const host = new URL(other.tern.url).host;
      for (const origin of ["http://tern.example.com", "https://tern.example.com:8443", `http://${host}`]) {
        const refused = await call(other.tern, "POST", "/flows", {
          body: flow,
          headers: { cookie, "x-tern-csrf": csrf, origin },
        });
        expect(refused.status, origin).toBe(403);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("CSRF_FAILED");
      }
      await signIn(other.tern); // the token works as well
      // Guesses of the password lock out the password from that address, not the admin token.
      const guesses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const guess = await call(other.tern, "POST", "/session", {
          body: { user: "ops", password: `guess-${i}-xxxxxxxx` },
        });
        guesses.push(guess.status);
      }
      // Four more after the wrong password above, then locked.
      expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
      expect((await call(other.tern, "POST", "/session", { body: { user: "ops", password } })).status).toBe(
        429,
      );
      await signIn(other.tern);
      expect(
        (await call(other.tern, "GET", "/flows", { headers: { authorization: `Bearer ${adminToken}` } }))
          .status,
      ).toBe(200);
      expect(
        (await call(other.tern, "DELETE", "/session", { headers: { cookie, "x-tern-csrf": csrf } })).status,
      ).toBe(204);
      const logged = other.lines.join("\n");
      for (const secret of [adminToken, password, session, csrf]) expect(logged).not.toContain(secret);
    } finally {
      const other = extra.pop();
      await other?.tern.close();
      if (other) rmSync(other.dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("says which bodies sign in when the body is neither", async () => {
    for (const body of [{}, { token: 123 }, { user: "admin" }, [], 42]) {
      const res = await call(main.tern, "POST", "/session", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = (await res.json()) as { error: { message: string } };
      expect(error.message).toContain(
        '{"token": "<admin token>"} or {"user": "<user>", "password": "<password>"}',
      );
    }
  });

  it("does not take a sign-in whose body the client cut off for a database outage", async () => {
    const { hostname, port } = new URL(main.tern.url);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"tok',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(main.lines.join("\n")).not.toMatch(/database is unavailable/);
    expect((await call(main.tern, "GET", "/session")).status).toBe(401);
  });

  it("never logs the token, the session or the CSRF value of the main process either", () => {
    expect(main.lines.length).toBeGreaterThan(0);
    const logged = main.lines.join("\n");
    expect(handedOut.length).toBeGreaterThan(8);
    for (const secret of [adminToken, ...handedOut]) expect(logged).not.toContain(secret);
  });
});
