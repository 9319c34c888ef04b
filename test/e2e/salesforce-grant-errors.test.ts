import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  answerText,
  exampleSentence,
  ternStatus,
} from "../../src/connectors/salesforce/errors/errors-docs.js";
import { ERROR_TABLE, type ErrorRow } from "../../src/connectors/salesforce/errors/errors-table.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * docs/salesforce-errors.md's token rows are what a real Tern answers, grant by grant: each row's
 * documented wire answer, replayed by the emulator's token endpoint to a connection of the row's
 * grant, gives the documented code, Tern's documented HTTP status, the documented sentence and the
 * documented mark on the connection's health, through `POST /api/v1/connections/:id/test`
 * (Connect's rows through the OAuth callback's page). The password, JWT and client credentials
 * logins are fixed in their settings or in Salesforce: the next test that logs in clears the mark.
 */
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const certificate = keys.publicKey.export({ type: "spki", format: "pem" }) as string;

/** The parts of the admin API's answers read here. */
interface Answer {
  id?: string;
  authorizeUrl?: string;
  isConnected?: boolean;
  health?: { state: string; code: string | null; reason: string | null };
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

const MARK: Record<string, string> = { reconnect: "reconnect_required", auth_failed: "auth_failed" };

/** The callback page's text: tags dropped, the page's `&#NN;` escapes read back. */
const pageText = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, " ");

describe("Salesforce token errors of each grant through Tern, as documented", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let webApp: { clientId: string; clientSecret: string };
  let jwtApp: { clientId: string; clientSecret: string };
  let n = 0;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${tern.tern.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tern.tern.dataDir.adminToken}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Answer };
  };

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
    tern = await startBareTern();
    webApp = sf.addConnectedApp({ callbackUrl: `${tern.tern.url}/oauth/salesforce/callback` });
    jwtApp = sf.addConnectedApp({ certificate });
  });
  afterEach(() => {
    sf.clearFaults();
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
  });

  /** A connection of `grant` whose settings are right: only a fault makes its login fail. */
  async function connection(grant: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const { loginUrl, clientId, clientSecret, refreshToken, username, password, securityToken } =
      sf.credentials;
    const config =
      grant === "password"
        ? { grant, loginUrl, clientId, clientSecret, username, password, securityToken }
        : grant === "jwt_bearer"
          ? { grant, loginUrl, clientId: jwtApp.clientId, username, privateKey }
          : grant === "client_credentials"
            ? { grant, loginUrl, clientId, clientSecret }
            : { loginUrl, clientId, clientSecret, refreshToken };
    n += 1;
    const created = await api("POST", "/connections", {
      type: "salesforce",
      name: `grant-errors-${n}`,
      config: { ...config, ...overrides },
    });
    expect(created.status).toBe(201);
    return created.json.id as string;
  }

  const tokenRows = ERROR_TABLE.filter((r) => r.match.kind === "token").map(
    (r) => [answerText(r.match), r] as const,
  );
  const grantOf = (row: ErrorRow) => (row.match.kind === "token" && row.match.grants?.[0]) || "web_server";

  it.each(tokenRows.filter(([, r]) => r.run !== "sign_in_page"))(
    "%s: a connection's Test answers the documented status, code, sentence and mark",
    async (_name, row) => {
      const grant = grantOf(row);
      const id = await connection(grant === "refresh_token" ? "web_server" : grant);
      sf.failNext(row.example.status, row.example.body, { on: "token", times: 100 });
      const test = await api("POST", `/connections/${id}/test`);
      expect(test.status).toBe(ternStatus(row));
      expect(test.json.error).toMatchObject({ code: row.code, message: exampleSentence(row) });
      const health = (await api("GET", `/connections/${id}`)).json.health;
      expect(health).toMatchObject(
        MARK[row.run]
          ? { state: MARK[row.run], code: row.code, reason: exampleSentence(row) }
          : { state: "ok" },
      );
      if (grant === "password" || grant === "jwt_bearer" || grant === "client_credentials") {
        // Fixed in Salesforce, nothing changed in Tern: the next test logs in and clears the mark.
        sf.clearFaults();
        expect((await api("POST", `/connections/${id}/test`)).status).toBe(200);
        expect((await api("GET", `/connections/${id}`)).json.health).toMatchObject({ state: "ok" });
      }
    },
  );

  it.each(tokenRows.filter(([, r]) => r.run === "sign_in_page"))(
    "%s: Connect's page answers the documented status and sentence, and changes nothing",
    async (_name, row) => {
      const created = await api("POST", "/connections", {
        type: "salesforce",
        name: `grant-errors-connect-${++n}`,
        config: { loginUrl: sf.url, ...webApp },
      });
      const id = created.json.id as string;
      const start = await api("GET", `/connections/${id}/oauth/start`);
      const consent = await fetch(start.json.authorizeUrl as string, { redirect: "manual" });
      sf.failNext(row.example.status, row.example.body, { on: "token" });
      const page = await fetch(consent.headers.get("location") ?? "", { redirect: "manual" });
      expect(page.status).toBe(ternStatus(row));
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(pageText(await page.text())).toContain(exampleSentence(row));
      expect((await api("GET", `/connections/${id}`)).json).toMatchObject({
        isConnected: false,
        health: { state: "ok" },
      });
    },
  );

  // The emulator's own refusals (no fault injected) land on the same rows.
  it.each([
    ["password", "authentication failure", () => ({ password: "wrong" })],
    [
      "jwt_bearer",
      "user hasn't approved this consumer",
      () => ({ clientId: sf.addConnectedApp({ certificate, isUserPreAuthorized: false }).clientId }),
    ],
    [
      "client_credentials",
      "no client credentials user enabled",
      () => ({ ...sf.addConnectedApp({ hasRunAsUser: false }) }),
    ],
  ] as const)(
    "a %s login Salesforce itself refuses (%s) is its documented row",
    async (grant, description, settings) => {
      const id = await connection(grant, settings());
      const test = await api("POST", `/connections/${id}/test`);
      const row = ERROR_TABLE.find(
        (r) =>
          r.match.kind === "token" &&
          r.match.grants?.includes(grant) &&
          r.match.description?.test(description),
      ) as ErrorRow;
      expect(test.status).toBe(ternStatus(row));
      expect(test.json.error).toMatchObject({ code: row.code, message: exampleSentence(row) });
      expect(test.json.error?.details).toMatchObject({
        error: "invalid_grant",
        error_description: description,
      });
      expect((await api("GET", `/connections/${id}`)).json.health).toMatchObject({
        state: "auth_failed",
        code: "SALESFORCE_AUTH_FAILED",
      });
    },
  );
});
