import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * What a run does on the errors of docs/salesforce-errors.md, end to end on both dialects: the
 * API limit pauses the connection and the run completes later with exactly one Lead; a locked
 * row and a 503 are retried; a refused grant marks the connection "reconnect required".
 */
type Health = { state: string; code: string | null; reason: string | null; pausedUntil: number | null };
type RunView = {
  status: string;
  steps: Array<{ stepId: string; status: string; error: { code: string; message: string } | null }>;
};

describe("Salesforce errors: what the run does", () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  const health = async (): Promise<Health> =>
    (
      (await (await stack.http("GET", `/api/v1/connections/${stack.setup.connectionId}`)).json()) as {
        health: Health;
      }
    ).health;

  /** The runs with this status, once there is at least one. */
  const runs = (status: string): Promise<RunView[]> =>
    eventually(async () => {
      const found = await listRuns(status);
      return found.length > 0 ? found : null;
    });
  const listRuns = async (status: string): Promise<RunView[]> => {
    const list = (await (await stack.http("GET", `/api/v1/runs?status=${status}`)).json()) as {
      items: Array<{ id: string }>;
    };
    return Promise.all(
      list.items.map(
        async (r) => (await (await stack.http("GET", `/api/v1/runs/${r.id}`)).json()) as RunView,
      ),
    );
  };

  async function reachCompanyQuestion(from: string) {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from);
    await customer.say("hi");
    await customer.waitForReplies(1);
    await customer.say(`Name ${from}`);
    await customer.waitForReplies(2);
    return customer;
  }

  it("REQUEST_LIMIT_EXCEEDED pauses the connection, the run waits, and completes with one Lead when quota returns", async () => {
    const patched = await stack.http("PATCH", `/api/v1/connections/${stack.setup.connectionId}`, {
      config: { limitPauseMs: 400 },
    });
    expect(patched.status).toBe(200);
    const customer = await reachCompanyQuestion("15557770001");
    const sf = stack.sandbox.sf;
    sf.setApiUsage(sf.apiUsage + 1_000_000);
    await customer.say("Paused Co");
    const paused = await eventually(async () => {
      const h = await health();
      return h.state === "paused" ? h : null;
    });
    expect(paused).toMatchObject({
      code: "SALESFORCE_LIMIT_EXCEEDED",
      reason: expect.stringMatching(/allowance/),
    });
    expect(paused.pausedUntil).toEqual(expect.any(Number));
    const [waiting] = await eventually(async () => {
      const found = await runs("waiting");
      return found.some((r) => r.steps.at(-1)?.stepId === "create_lead") ? found : null;
    });
    expect(waiting?.steps.at(-1)).toMatchObject({
      status: "waiting",
      error: { code: "SALESFORCE_LIMIT_EXCEEDED" },
    });
    // The customer writes meanwhile: the message waits for the run, it is not dropped.
    await customer.say("are you there?");
    // The pause outlasts a few probes (400 ms, then 800 ms…) before quota returns.
    await new Promise((r) => setTimeout(r, 900));
    expect(sf.records("Lead").filter((l) => l.Company === "Paused Co")).toHaveLength(0);
    sf.setApiUsage(0);
    const replies = await customer.waitForReplies(3, 20_000);
    const leads = sf.records("Lead").filter((l) => l.Company === "Paused Co");
    expect(leads).toHaveLength(1);
    expect(replies[2]?.text).toContain(leads[0]?.Id);
    // The message sent during the pause is then handled: it starts the next conversation.
    await customer.waitForReplies(4, 20_000);
    expect(await health()).toMatchObject({ state: "ok", pausedUntil: null });
    const rejected = (await (
      await stack.http("GET", `/api/v1/channels/${stack.setup.channelId}/rejected-events`)
    ).json()) as { items: unknown[] };
    expect(rejected.items).toHaveLength(0);
  });

  it("UNABLE_TO_LOCK_ROW then 503 are retried with back-off and the Lead is created once; past the retries the step fails", async () => {
    const customer = await reachCompanyQuestion("15557770002");
    const sf = stack.sandbox.sf;
    const before = sf.createRequests;
    sf.failNext(
      400,
      [
        {
          errorCode: "UNABLE_TO_LOCK_ROW",
          message: "unable to obtain exclusive access to this record or 1 records: 001000000000001",
          fields: [],
        },
      ],
      { on: "create" },
    );
    sf.failNext(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }], { on: "create" });
    await customer.say("Locked Co");
    const replies = await customer.waitForReplies(3);
    const leads = sf.records("Lead").filter((l) => l.Company === "Locked Co");
    expect(leads).toHaveLength(1);
    expect(replies[2]?.text).toContain(leads[0]?.Id);
    expect(sf.createRequests - before).toBe(3);

    // Past the retries, the step fails with the sentence and onError runs.
    const down = await reachCompanyQuestion("15557770003");
    stack.sandbox.sf.failNext(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }], {
      on: "create",
      times: 3,
    });
    await down.say("Down Co");
    expect((await down.waitForReplies(3))[2]?.text).toMatch(/Sorry, something went wrong/);
    const failedStep = await eventually(async () =>
      (await listRuns("completed"))
        .flatMap((r) => r.steps)
        .find((s) => s.stepId === "create_lead" && s.status === "failed"),
    );
    expect(failedStep.error).toMatchObject({
      code: "SALESFORCE_UNAVAILABLE",
      message: expect.stringMatching(/temporarily unavailable/),
    });
  });

  it("invalid_grant marks the connection reconnect required and the step fails with the reconnect sentence", async () => {
    const customer = await reachCompanyQuestion("15557770004");
    stack.sandbox.sf.revokeRefreshToken();
    stack.sandbox.sf.expireAccessTokens();
    await customer.say("Revoked Co");
    await customer.waitForReplies(3);
    const [run] = await runs("completed");
    const error = run?.steps.find((s) => s.stepId === "create_lead")?.error;
    expect(error).toMatchObject({ code: "SALESFORCE_RECONNECT_REQUIRED" });
    expect(error?.message).toMatch(/Reconnect the connection/);
    const h = await eventually(async () => {
      const current = await health();
      return current.state === "reconnect_required" ? current : null;
    });
    expect(h).toMatchObject({ code: "SALESFORCE_RECONNECT_REQUIRED", reason: error?.message });
    expect(JSON.stringify(h)).not.toContain(stack.sandbox.sf.credentials.refreshToken);
    // Reconnecting (a new refresh token in the connection's config) clears the mark.
    const patched = await stack.http("PATCH", `/api/v1/connections/${stack.setup.connectionId}`, {
      config: { refreshToken: stack.sandbox.sf.issueRefreshToken() },
    });
    expect(patched.status).toBe(200);
    expect(await health()).toMatchObject({ state: "ok" });
  });

  it("with rotation, a refused refresh token is not retried with the rotated-out one: the step says why, and unlocking the user is enough", async () => {
    const { sf } = stack.sandbox;
    const app = sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = sf.issueRefreshToken(app.clientId);
    const patched = await stack.http("PATCH", `/api/v1/connections/${stack.setup.connectionId}`, {
      config: { ...app, refreshToken: first },
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const warm = await reachCompanyQuestion("15557770005");
    await warm.say("Rotated Co");
    await warm.waitForReplies(3);
    expect(sf.isTokenActive(first)).toBe(false); // rotated out by the first refresh

    const customer = await reachCompanyQuestion("15557770006");
    sf.setUserLocked(true);
    sf.expireAccessTokens();
    await customer.say("Locked Co");
    await customer.waitForReplies(3);
    const failed = await eventually(async () =>
      (await listRuns("completed"))
        .flatMap((r) => r.steps)
        .find((s) => s.stepId === "create_lead" && s.status === "failed"),
    );
    const error = failed.error;
    expect(error).toMatchObject({ code: "SALESFORCE_RECONNECT_REQUIRED" });
    expect(error?.message).toContain("user is locked");
    expect(
      await eventually(async () => ((await health()).state === "reconnect_required" ? true : null)),
    ).toBe(true);
    // Sent once, by the first refresh: sending it again makes Salesforce revoke the live one too.
    expect(sf.refreshTokensSent.filter((t) => t === first)).toHaveLength(1);

    sf.setUserLocked(false);
    const test = await stack.http("POST", `/api/v1/connections/${stack.setup.connectionId}/test`);
    expect(test.status, await test.clone().text()).toBe(200);
    expect(await health()).toMatchObject({ state: "ok" });
  });
});
