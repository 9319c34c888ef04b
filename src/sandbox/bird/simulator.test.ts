import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BirdSimulator, startBirdSimulator } from "./simulator.js";

/** The simulator answers as Bird's channels API documents, whoever calls it. */
describe("Bird simulator", () => {
  let sim: BirdSimulator;
  beforeEach(async () => {
    sim = await startBirdSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const post = (path: string, body: unknown, auth = `AccessKey ${sim.config.accessKey}`) =>
    fetch(`${sim.url}${path}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const path = () => `/workspaces/${sim.config.workspaceId}/channels/${sim.config.channelId}/messages`;
  const text = {
    receiver: { contacts: [{ identifierValue: "+31612345678" }] },
    body: { type: "text", text: { text: "Hi" } },
  };

  it("accepts a text SMS with 202 and the message object, keeping the reference", async () => {
    const answer = await post(path(), { ...text, reference: "ref-1" });
    expect(answer.status).toBe(202);
    const message = (await answer.json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      status: "accepted",
      reference: "ref-1",
      channelId: sim.config.channelId,
    });
    expect(sim.sends[0]).toMatchObject({
      to: "+31612345678",
      text: "Hi",
      reference: "ref-1",
      id: message.id,
    });
  });

  it("refuses a wrong access key (401), another channel (404), and bodies Bird would refuse (4xx), with {code, message}", async () => {
    const wrongKey = await post(path(), text, "AccessKey nope");
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect((await post(path(), text, `Bearer ${sim.config.accessKey}`)).status).toBe(401);
    expect((await post(`/workspaces/${sim.config.workspaceId}/channels/other/messages`, text)).status).toBe(
      404,
    );
    for (const bad of [
      "{",
      { ...text, receiver: { contacts: [{ identifierValue: "0612345678" }] } },
      { ...text, body: { type: "text", text: { text: "" } } },
      { ...text, body: { type: "image", image: {} } },
      { ...text, body: { type: "text", text: { text: "x".repeat(1601) } } },
    ]) {
      const answer = await post(path(), bad);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    expect(sim.sends).toEqual([]);
  });
});
