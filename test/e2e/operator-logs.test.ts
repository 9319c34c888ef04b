import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, publishFlow } from "../helpers/in-process.js";
import { type LoggedStack, startLoggedStack } from "../helpers/logged-stack.js";

/**
 * An operator with only the logs (`docker logs`) must see runs fail and admin credentials being
 * guessed: both showed only in the admin API and /metrics, at every log level (operator audit).
 * The lines name ids and codes, never what the customer wrote or what was guessed.
 */
describe("what the logs say without the admin API", () => {
  let stack: LoggedStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("a run that fails logs one warning naming the run, flow, step and error code", async () => {
    const flow = {
      schema: "tern.flow/v1",
      name: "failing lookup",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        {
          id: "find",
          type: "salesforce.find",
          connection: "salesforce",
          object: "Lead",
          where: [{ field: "LastName", op: "=", value: "{{ message.text }}" }],
          fields: ["LastName"],
          next: "answer",
        },
        { id: "answer", type: "send", text: "found {{ steps.find.count }}" },
      ],
    };
    stack = await startLoggedStack();
    const created = await publishFlow(stack, flow);

    // Salesforce refuses the query for good (a field-level security change since publishing).
    stack.sandbox.sf.failNext(
      400,
      [{ message: "No such column 'LastName' on entity 'Lead'.", errorCode: "INVALID_FIELD" }],
      {
        on: "query",
      },
    );
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "447700900125");
    expect((await customer.say("secret words of the customer")).status).toBe(200);
    const line = await eventually(() => stack?.logs.find((l) => l.msg === "run failed"));
    expect(line).toMatchObject({ level: 40, flowId: created.id, stepId: "find" });
    expect(line.runId).toEqual(expect.any(String));
    expect(line.code).toEqual(expect.any(String));
    expect(JSON.stringify(stack.logs)).not.toContain("secret words");
  });

  it("a wrong admin token logs a warning with the client address, never the token guessed", async () => {
    stack = await startLoggedStack();
    const guess = "tern_not-the-token-0123456789";
    const res = await stack.http("GET", "/api/v1/flows", undefined, { authorization: `Bearer ${guess}` });
    expect(res.status).toBe(401);
    const signIn = await fetch(`${stack.tern.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: `${guess}-2` }),
    });
    expect(signIn.status).toBe(401);
    const lines = stack.logs.filter((l) => l.msg === "refused a wrong admin credential");
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatchObject({ level: 40, client: "127.0.0.1", credential: "admin token" });
    expect(JSON.stringify(stack.logs)).not.toContain(guess);
  });
});
