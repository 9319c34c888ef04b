import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError, httpStatusOf, pausedUntil } from "../../../core/app-error.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import type { ConnectionHealth } from "../../connector.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";
import { answerText, exampleSentence, ternStatus } from "./errors-docs.js";
import { ERROR_TABLE, type ErrorRow } from "./errors-table.js";

/**
 * Each row of the errors table, replayed as its documented wire answer by the emulator, gives
 * the documented code, the documented run behaviour (retry hint, pause, refusal mark) and the
 * documented sentence, through the connector's `create` action as a flow step calls it, on a
 * connection of the grant the row is about. Connect's rows (no run meets them) are replayed
 * through Tern's callback in test/e2e/salesforce-grant-errors.test.ts.
 */
let sf: SalesforceEmulator;
beforeAll(async () => {
  sf = await startSalesforceEmulator();
});
afterAll(async () => {
  await sf.close();
});
beforeEach(() => {
  sf.setApiUsage(0);
});
afterEach(() => {
  sf.clearFaults();
});

const config = () => SalesforceConfig.parse({ ...sf.credentials });
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;
/** A connection that makes the token request the row answers. */
function configFor(row: ErrorRow): SalesforceConfig {
  const grant = row.match.kind === "token" ? row.match.grants?.[0] : undefined;
  if (grant === "password" || grant === "jwt_bearer" || grant === "client_credentials") {
    const { refreshToken: _, ...credentials } = sf.credentials;
    return SalesforceConfig.parse({ ...credentials, grant, privateKey });
  }
  return config();
}
const ctx = { connectionId: "c1", intentAt: Date.now(), key: "k1" };
const lead = { object: "Lead", fields: { LastName: "Lovelace", Company: "Analytical Engines" } };

function runtime() {
  const health: ConnectionHealth[] = [];
  const deps = testDeps({ health: { set: async (_id, h) => void health.push(h) } });
  return { rt: salesforceConnector.create("c1", deps), health, deps };
}

async function failure(row: ErrorRow): Promise<{ error: AppError; health: ConnectionHealth[] }> {
  const { rt, health } = runtime();
  const { status, body, contentType, on } = row.example;
  // Token answers repeat until the test ends: the action may ask for a token more than once (a
  // describe whose failure it tolerates, then the create; a concurrent refresh is retried 4
  // times); an expired session is refreshed once and replayed, so only a second 401 is the error.
  const isSession =
    (row.match.kind === "rest" && row.match.errorCode === "INVALID_SESSION_ID") ||
    (row.match.kind === "status" && row.match.status === 401);
  const times = on === "token" ? 100 : isSession ? 2 : 1;
  sf.failNext(status, body, { on: on === "token" ? "token" : "create", times, contentType });
  const error = await rt.actions.create?.run(lead, configFor(row), ctx).then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return { error: error as AppError, health };
}

const rows = ERROR_TABLE.filter((r) => r.match.kind !== "network" && r.run !== "sign_in_page").map(
  (r) => [answerText(r.match), r] as const,
);

describe("salesforce errors table", () => {
  it.each(rows)("%s → the documented code, run behaviour and sentence", async (_name, row) => {
    const { error, health } = await failure(row);
    expect(error.code).toBe(row.code);
    expect(error.message).toBe(exampleSentence(row));
    expect(error.details?.run).toBe(row.run);
    // Salesforce failed: 502 in the admin API; a refused consent or login is the connection's own state.
    const isOwnState = ["SALESFORCE_RECONNECT_REQUIRED", "SALESFORCE_AUTH_FAILED"].includes(row.code);
    expect(httpStatusOf(error.code)).toBe(isOwnState ? 409 : 502);
    expect(ternStatus(row)).toBe(httpStatusOf(error.code));
    switch (row.run) {
      case "retry":
        expect(error.retry).not.toBe("never");
        expect(pausedUntil(error.retry)).toBeNull();
        expect(health).toEqual([]);
        break;
      case "fail_step":
        expect(error.retry).toBe("never");
        expect(health).toEqual([]);
        break;
      case "reconnect":
      case "auth_failed":
        expect(error.retry).toBe("never");
        expect(health).toMatchObject([
          {
            state: row.run === "reconnect" ? "reconnect_required" : "auth_failed",
            code: row.code,
            reason: error.message,
          },
        ]);
        break;
      case "sign_in_page":
        throw new Error("no run meets Connect's rows");
      case "pause_connection": {
        const until = pausedUntil(error.retry);
        expect(until).toBeGreaterThan(Date.now());
        expect(health).toMatchObject([{ state: "paused", code: row.code, pausedUntil: until }]);
        break;
      }
    }
    if (row.match.kind === "rest")
      expect(error.flowFields).toMatchObject({ salesforceCode: row.match.errorCode });
    if (row.match.kind === "token")
      expect(error.flowFields).toMatchObject({ salesforceCode: row.match.error });
    expect(JSON.stringify([error.message, error.details, error.flowFields])).not.toContain(
      sf.credentials.refreshToken,
    );
  });

  it("shows the admin's own validation-rule message", async () => {
    const row = ERROR_TABLE.find(
      (r) => r.match.kind === "rest" && r.match.errorCode === "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    ) as ErrorRow;
    const { error } = await failure(row);
    expect(error.message).toContain("Phone must start with a country code.");
  });

  it("gives a flow the duplicate's id to branch on", async () => {
    const row = ERROR_TABLE.find(
      (r) => r.match.kind === "rest" && r.match.errorCode === "DUPLICATES_DETECTED",
    );
    const { error } = await failure(row as ErrorRow);
    expect(error.flowFields).toEqual({
      salesforceCode: "DUPLICATES_DETECTED",
      fields: [],
      duplicateIds: ["00Q000000000001AAA"],
    });
  });

  it("a timeout is retried, and says so", async () => {
    const deps = testDeps({
      fetch: (url, init) =>
        String(url).includes("/sobjects/")
          ? Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ETIMEDOUT" } }))
          : fetch(url, init),
    });
    const rt = salesforceConnector.create("c1", deps);
    const error = (await rt.actions.create?.run(lead, config(), ctx).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe("NETWORK_ERROR");
    expect(error.retry).toBe("default");
    expect(error.details?.run).toBe("retry");
    expect(error.message).toMatch(/^Couldn't reach Salesforce/);
  });

  it("the daily limit pauses every call of the connection without reaching Salesforce, then resumes", async () => {
    const { rt, health } = runtime();
    sf.setApiLimit(sf.apiUsage + 2); // the token grant is free; one create fits
    await rt.actions.create?.run(lead, config(), ctx);
    sf.setApiUsage(1_000_000);
    const first = (await rt.actions.create?.run(lead, config(), ctx).catch((e: unknown) => e)) as AppError;
    const until = pausedUntil(first.retry) as number;
    expect(until - Date.now()).toBeGreaterThan(250_000); // the default first pause: 5 minutes
    const usage = sf.apiUsage;
    const second = (await rt.actions.create?.run(lead, config(), ctx).catch((e: unknown) => e)) as AppError;
    expect(pausedUntil(second.retry)).toBe(until);
    expect(sf.apiUsage).toBe(usage); // no call left while paused
    expect(health.filter((h) => h.state === "paused")).toHaveLength(1);
    sf.setApiLimit(15_000);
  });

  it("the first call that succeeds clears a mark another process (or an earlier runtime) left in the store", async () => {
    const { rt, health } = runtime();
    await rt.actions.create?.run(lead, config(), ctx);
    expect(health).toEqual([{ state: "ok", code: null, reason: null, pausedUntil: null, since: null }]);
    await rt.actions.create?.run(lead, config(), ctx);
    expect(health).toHaveLength(1); // only on a change
  });

  it("backs off: each failed probe doubles the pause, up to the maximum; quota back resumes", async () => {
    let now = Date.now();
    const health: ConnectionHealth[] = [];
    const deps = testDeps({
      clock: { now: () => now },
      health: { set: async (_id, h) => void health.push(h) },
    });
    const rt = salesforceConnector.create("c1", deps);
    const cfg = SalesforceConfig.parse({ ...sf.credentials, limitPauseMs: 1_000, limitPauseMaxMs: 3_000 });
    sf.setApiUsage(1_000_000);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const error = (await rt.actions.create?.run(lead, cfg, ctx).catch((e: unknown) => e)) as AppError;
      const until = pausedUntil(error.retry) as number;
      delays.push(until - now);
      now = until;
    }
    expect(delays).toEqual([1_000, 2_000, 3_000]);
    expect(deps.logs.filter((l) => l.includes("API limit reached"))).toHaveLength(1);
    sf.setApiUsage(0);
    await expect(rt.actions.create?.run(lead, cfg, ctx)).resolves.toMatchObject({ id: expect.any(String) });
    expect(health.at(-1)).toMatchObject({ state: "ok" });
    expect(deps.logs.some((l) => l.includes("connection resumed"))).toBe(true);
  });
});
