import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

type RunView = {
  id: string;
  status: string;
  steps: Array<{
    stepId: string;
    status: string;
    error: { code: string; message: string } | null;
    next: string | null;
  }>;
};

async function runOf(stack: Stack, status: string): Promise<RunView> {
  const list = await eventually(async () => {
    const body = (await (await stack.http("GET", `/api/v1/runs?status=${status}`)).json()) as {
      items: Array<{ id: string }>;
    };
    return body.items.length > 0 ? body.items : null;
  });
  return (await (await stack.http("GET", `/api/v1/runs/${list[0]!.id}`)).json()) as RunView;
}

describe("Salesforce sessions and errors", () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  async function reachCompanyQuestion(from: string) {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from);
    await customer.say("hi");
    await customer.waitForReplies(1);
    await customer.say(`Name ${from}`);
    await customer.waitForReplies(2);
    return customer;
  }

  it("refreshes once when the access token expires mid-conversation and creates exactly one Lead", async () => {
    // A first conversation gets a token.
    const first = await reachCompanyQuestion("15550000001");
    await first.say("First Co");
    await first.waitForReplies(3);
    // The second conversation starts, then the session expires before its Lead is created.
    const second = await reachCompanyQuestion("15550000002");
    stack.sandbox.sf.expireAccessTokens();
    const tokensBefore = stack.sandbox.sf.tokenRequests;
    await second.say("Second Co");
    const replies = await second.waitForReplies(3);
    expect(stack.sandbox.sf.tokenRequests - tokensBefore).toBe(1);
    const leads = stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Second Co");
    expect(leads).toHaveLength(1);
    expect(replies[2]!.text).toContain(leads[0]!.Id);
  });

  it("50 runs hitting the expired token at once cause exactly one refresh request", async () => {
    const warm = await reachCompanyQuestion("15551110000");
    await warm.say("Warm Co");
    await warm.waitForReplies(3);
    const customers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => reachCompanyQuestion(`1555222${String(1000 + i)}`)),
    );
    stack.sandbox.sf.expireAccessTokens();
    const tokensBefore = stack.sandbox.sf.tokenRequests;
    await Promise.all(customers.map((c, i) => c.say(`Company ${i}`)));
    await Promise.all(customers.map((c) => c.waitForReplies(3, 20_000)));
    expect(stack.sandbox.sf.tokenRequests - tokensBefore).toBe(1);
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(51);
    for (const c of customers) expect(c.received()[2]!.text).toMatch(/reference is 00Q/);
  });

  it("API_DISABLED_FOR_ORG takes onError and the run history says to tick API Enabled", async () => {
    const customer = await reachCompanyQuestion("15553330000");
    stack.sandbox.sf.setApiDisabled(true);
    await customer.say("Blocked Co");
    const replies = await customer.waitForReplies(3);
    expect(replies[2]!.text).toMatch(/Sorry, something went wrong/);
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(0);
    const run = await runOf(stack, "completed");
    const create = run.steps.find((s) => s.stepId === "create_lead")!;
    expect(create.status).toBe("failed");
    expect(create.next).toBe("sorry");
    expect(create.error?.code).toBe("SALESFORCE_API_DISABLED");
    expect(create.error?.message).toMatch(/API Enabled/);
    expect(create.error?.message).toMatch(/Profile/i);
    expect(run.steps.at(-1)?.stepId).toBe("sorry");
  });

  it("a revoked refresh token takes onError with a reconnect message", async () => {
    const customer = await reachCompanyQuestion("15554440000");
    stack.sandbox.sf.revokeRefreshToken();
    stack.sandbox.sf.expireAccessTokens();
    await customer.say("Revoked Co");
    await customer.waitForReplies(3);
    const run = await runOf(stack, "completed");
    const create = run.steps.find((s) => s.stepId === "create_lead")!;
    expect(create.error?.code).toBe("SALESFORCE_RECONNECT_REQUIRED");
    expect(create.error?.message).toMatch(/reconnect|refresh token/i);
  });

  it("connection test reports org and user, and an actionable error when the API is disabled", async () => {
    const ok = await stack.http("POST", `/api/v1/connections/${stack.setup.connectionId}/test`);
    expect(ok.status).toBe(200);
    const info = (await ok.json()) as Record<string, string>;
    expect(info.organizationId).toBe(stack.sandbox.sf.orgId);
    expect(info.userId).toBe(stack.sandbox.sf.userId);
    expect(JSON.stringify(info)).not.toContain(stack.sandbox.sf.credentials.refreshToken);
  });
});
