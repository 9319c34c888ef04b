import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTelegramChannelSimulator,
  type TelegramChannelSimulator,
} from "../../src/sandbox/telegram/index.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * An outside audit created several Telegram channels with one bot token: a bot has one webhook,
 * each channel registered it again, and only the last one received messages. A second channel of
 * the same bot (the bot id is the token's part before the colon) is refused with 409, as a second
 * channel of one WhatsApp number is; of concurrent creates exactly one is 201.
 */
describe("one Telegram bot, one channel", () => {
  let stack: Stack;
  let sim: TelegramChannelSimulator;
  beforeAll(async () => {
    stack = await startStack();
    sim = await startTelegramChannelSimulator();
  });
  afterAll(async () => {
    await sim?.close();
    await stack?.close();
  });

  const create = (name: string, config: Record<string, unknown>) =>
    stack.http("POST", "/api/v1/channels", { type: "telegram", name, config });
  const telegramChannels = async () =>
    (
      (await (await stack.http("GET", "/api/v1/channels")).json()) as {
        items: Array<{ id: string; type: string }>;
      }
    ).items.filter((c) => c.type === "telegram");

  it("refuses concurrent creates of one bot but one, and a second token of the same bot; another bot is fine", async () => {
    const config = sim.config as { botToken: string; secretToken: string; apiBaseUrl: string };
    const botId = config.botToken.split(":")[0];
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => create(`bot ${i}`, config)));
    const codes = answers.map((a) => a.status).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((a) => a.status === 409)) {
      const body = (await answer.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("CONFLICT");
      expect(body.error.message).toContain(`account ${botId}`);
      // The bot id is public; the token's secret part never appears.
      expect(body.error.message).not.toContain(config.botToken.split(":")[1]);
    }
    expect(await telegramChannels()).toHaveLength(1);

    // The same bot with another (regenerated) token is still that bot.
    const regenerated = await create("bot again", {
      ...config,
      botToken: `${botId}:AAregenerated_token_000000000000`,
    });
    expect(regenerated.status).toBe(409);

    // A PATCH that moves another channel onto the bot is refused too.
    const other = await create("other bot", {
      ...config,
      botToken: "987654321:AAother_bot_token_0000000000000",
    });
    expect(other.status, await other.clone().text()).toBe(201);
    const { id } = (await other.json()) as { id: string };
    const moved = await stack.http("PATCH", `/api/v1/channels/${id}`, {
      config: { botToken: config.botToken },
    });
    expect(moved.status).toBe(409);
    expect(await telegramChannels()).toHaveLength(2);
  });
});
