import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import { adminApi } from "../helpers/real-thing.js";

/**
 * The sandbox's simulators start on new ports at every start, and the rows of its channels are
 * pointed at them. A channel other than WhatsApp (started when first played) had to be played
 * again after a restart before it was re-pointed: until then a send no customer message caused
 * (a `wait` step's follow-up, a question's timeout) went to the previous process's dead port,
 * failed and was retried, and the conversation stalled there.
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Follow up on Telegram",
  trigger: { type: "message", channels: ["telegram"] },
  start: "ask_name",
  steps: [
    { id: "ask_name", type: "ask", text: "Your name?", save: "name", expect: "text", next: "pause" },
    { id: "pause", type: "wait", duration: "PT4S", next: "follow_up" },
    { id: "follow_up", type: "send", text: "Following up, {{ vars.name }}" },
  ],
};

describe("the sandbox restarted", () => {
  let tern: TernProcess | undefined;
  let database: TestDatabaseEnv | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-sandbox-restart-"));
  afterEach(async () => {
    await tern?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sends a deadline's message on a channel the sandbox started before, with no one playing it again", async () => {
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    const port = await freePort();
    const start = () =>
      spawnTern({ dataDir, ...secrets, port, env: { ...database?.env, TERN_SANDBOX: "auto" } });
    tern = await start();
    const api = adminApi(tern.url, secrets.adminToken);

    // Only this flow answers on Telegram (the sandbox's lead flow answers on every channel).
    const flows = (await api("GET", "/flows")).body.items as Array<{ id: string }>;
    for (const { id } of flows) expect((await api("POST", `/flows/${id}/unpublish`)).status).toBe(200);
    const created = await api("POST", "/flows", flow);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = (created.body as { id: string }).id;
    expect((await api("POST", `/flows/${flowId}/publish`)).status).toBe(200);

    const say = (text: string) =>
      api("POST", "/sandbox/messages", { from: "15550001111", text, channel: "telegram" });
    expect((await say("Hi")).status).toBe(202);
    const waiting = async (stepId: string) => {
      const items = (await api("GET", `/runs?flowId=${flowId}&status=waiting`)).body.items as Array<{
        id: string;
        currentStep: string;
      }>;
      return items.find((r) => r.currentStep === stepId);
    };
    await eventually(() => waiting("ask_name"), 10_000, "the question");
    expect((await say("Bob")).status).toBe(202);
    const run = await eventually(() => waiting("pause"), 10_000, "the wait");

    await tern.stop();
    tern = await start();
    const restarted = adminApi(tern.url, secrets.adminToken);
    // Nothing is played on Telegram now: the deadline alone sends the follow-up.
    const done = await eventually(
      async () => {
        const body = (await restarted("GET", `/runs/${run.id}`)).body as { status: string };
        return body.status === "completed" ? body : undefined;
      },
      20_000,
      "the run to complete",
    );
    expect(done.status).toBe("completed");
    const messages = (await restarted("GET", `/runs/${run.id}/messages`)).body.items as Array<{
      direction: string;
      text: string;
      status: string;
    }>;
    expect(messages.filter((m) => m.direction === "out").map((m) => [m.text, m.status])).toEqual([
      ["Your name?", expect.stringMatching(/sent|delivered|read/)],
      ["Following up, Bob", expect.stringMatching(/sent|delivered|read/)],
    ]);
  }, 90_000);
});
