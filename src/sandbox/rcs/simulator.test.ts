import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signAssertion } from "../../channels/rcs/access-token.js";
import { rcsChannel } from "../../channels/rcs/index.js";
import { type RcsSimulator, startRcsSimulator } from "./simulator.js";

/** The simulator answers as Google's token endpoint and the RBM API document, whoever calls them. */
describe("RCS simulator", () => {
  let sim: RcsSimulator;
  beforeEach(async () => {
    sim = await startRcsSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const grant = (assertion: string, grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer") =>
    fetch(`${sim.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: grantType, assertion }).toString(),
    });

  it("grants a token for an assertion signed with the service account key, and refuses others", async () => {
    const config = rcsChannel.config.parse(sim.config);
    const ok = await grant(signAssertion(config, Date.now()));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      access_token: expect.any(String),
      expires_in: 3599,
      token_type: "Bearer",
    });
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const forged = signAssertion(
      { ...config, serviceAccountKey: { ...config.serviceAccountKey, private_key: stranger.toString() } },
      Date.now(),
    );
    for (const answer of [
      await grant(forged),
      await grant(signAssertion(config, Date.now() - 2 * 3600_000)),
      await grant(signAssertion(config, Date.now()), "client_credentials"),
    ]) {
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: expect.any(String) });
    }
  });

  it("refuses agent messages without a valid token, for another agent, or with a messageId that is no UUID", async () => {
    const url = (query: string) => `${sim.url}/v1/phones/+12223334444/agentMessages?${query}`;
    const body = JSON.stringify({ contentMessage: { text: "Hi" } });
    const noToken = await fetch(url(`messageId=${crypto.randomUUID()}&agentId=${sim.config.agentId}`), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
      body,
    });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
    const { access_token } = (await (
      await grant(signAssertion(rcsChannel.config.parse(sim.config), Date.now()))
    ).json()) as {
      access_token: string;
    };
    const headers = { "content-type": "application/json", authorization: `Bearer ${access_token}` };
    expect(
      (await fetch(url(`messageId=${crypto.randomUUID()}&agentId=other`), { method: "POST", headers, body }))
        .status,
    ).toBe(403);
    expect(
      (await fetch(url(`messageId=42&agentId=${sim.config.agentId}`), { method: "POST", headers, body }))
        .status,
    ).toBe(400);
    const tooMany = JSON.stringify({
      contentMessage: {
        text: "Pick",
        suggestions: Array.from({ length: 12 }, (_, i) => ({
          reply: { text: `o${i}`, postbackData: `o${i}` },
        })),
      },
    });
    expect(
      (
        await fetch(url(`messageId=${crypto.randomUUID()}&agentId=${sim.config.agentId}`), {
          method: "POST",
          headers,
          body: tooMany,
        })
      ).status,
    ).toBe(400);
    expect(sim.sends).toEqual([]);
  });
});
