import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "../../test/helpers/test-store.js";
import { getChannelDefinition } from "../channels/registry.js";
import { AppError } from "../core/app-error.js";
import { createIntegrations } from "../services/integrations.js";
import type { Owner } from "../store/database.js";
import { createFallbackChannels } from "./fallback.js";

/** Which channel a send step's `fallback` names: by id, name or a unique type, never across owners. */
let store: TestStore;
const now = Date.now();

beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

const twilioConfig = { accountSid: `AC${"0".repeat(32)}`, authToken: "t".repeat(32), from: "+15005550006" };
const whatsappConfig = {
  phoneNumberId: "123",
  accessToken: "EAAG-token",
  appSecret: "secret",
  verifyToken: "verify",
};

async function addChannel(
  id: string,
  type: string,
  name: string,
  owner: Owner,
  config: object,
): Promise<void> {
  const definition = getChannelDefinition(type);
  if (!definition) throw new Error(type);
  await store.write((tx) =>
    tx.channels.insert(
      {
        id,
        type,
        name,
        config: definition.config.parse(config) as Record<string, unknown>,
        owner,
        createdAt: now,
        updatedAt: now,
      },
      definition.secretFields,
    ),
  );
}

const resolver = () =>
  createFallbackChannels(
    store,
    createIntegrations(store, { fetch, clock: { now: () => now }, log: { info() {}, warn() {} } }),
  );

describe("the fallback channel a send step names", () => {
  it("is found by id, by name, or by type when one channel of the run's owner has it", async () => {
    await addChannel("ch_wa", "whatsapp", "wa", "user", whatsappConfig);
    await addChannel("ch_sms", "twilio", "sms", "user", twilioConfig);
    const find = resolver();
    expect((await find("ch_sms", "ch_wa")).id).toBe("ch_sms");
    expect((await find("sms", "ch_wa")).id).toBe("ch_sms");
    expect((await find("twilio", "ch_wa")).id).toBe("ch_sms");
  });

  it("never crosses from a user's channel to the sandbox's, nor the other way", async () => {
    await addChannel("ch_wa", "whatsapp", "wa", "user", whatsappConfig);
    await addChannel("ch_sandbox_sms", "twilio", "sms", "sandbox", twilioConfig);
    const find = resolver();
    const error = await find("sms", "ch_wa").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("CHANNEL_NOT_FOUND");
    await expect(find("ch_sandbox_sms", "ch_wa")).rejects.toThrow(/no channel has/);
  });

  it("is refused, with the way out, when a type names two channels", async () => {
    await addChannel("ch_wa", "whatsapp", "wa", "user", whatsappConfig);
    await addChannel("ch_sms1", "twilio", "sms-us", "user", twilioConfig);
    await addChannel("ch_sms2", "twilio", "sms-eu", "user", twilioConfig);
    await expect(resolver()("twilio", "ch_wa")).rejects.toThrow(/more than one channel.*by channel id/);
  });
});
