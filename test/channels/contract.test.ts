import { describe, expect, it } from "vitest";
import { channelTypes } from "../../src/channels/registry.js";
import { type ContractFixtures, runChannelContract } from "../helpers/channel-contract.js";

/**
 * Every channel type Tern knows passes the same adapter contract, fed with its provider's
 * documented examples (test/channels/fixtures/<type>.ts). A type without fixtures fails here.
 */
const types = Object.keys(channelTypes);
const loaded = await Promise.all(
  types.map(async (type) => {
    try {
      const module = (await import(`./fixtures/${type}.ts`)) as { fixtures: ContractFixtures };
      return [type, module.fixtures] as const;
    } catch (error) {
      return [type, error] as const;
    }
  }),
);

for (const [type, fixtures] of loaded) {
  describe(`channel contract: ${type}`, () => {
    if (fixtures instanceof Error || !fixtures || !("definition" in (fixtures as object))) {
      it("has contract fixtures", () => {
        throw new Error(`test/channels/fixtures/${type}.ts is missing or broken: ${String(fixtures)}`);
      });
      return;
    }
    const fx = fixtures as ContractFixtures;
    it("fixtures are for this type", () => expect(fx.definition.type).toBe(type));
    runChannelContract(fx);
  });
}
