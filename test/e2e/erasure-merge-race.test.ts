import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * An outside audit erased a contact while merging it into another: erasure runs one conversation
 * at a time, a merge committed between two steps, and DELETE answered 204 (or 404) while the
 * erased person's identities, tags and attributes lived on in the survivor. The two must
 * serialize: the merge wins whole (DELETE of the merged-away id answers 404, the survivor keeps
 * everything) or the erasure wins whole (the merge answers 404, the survivor gains nothing).
 */
describe("erasing a contact while it is merged into another", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const IDENTITIES = 8;

  /** A person with several identities (each an erasure step of its own), a tag and an attribute. */
  async function person(prefix: string, identities: number) {
    const { store } = stack.tern;
    const channelId = stack.setup.channelId;
    const addresses = Array.from({ length: identities }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
    const contact = await store.write((tx) =>
      tx.contacts.upsert(channelId, addresses[0]!, null, null, Date.now()),
    );
    await store.write(async (tx) => {
      for (const address of addresses.slice(1))
        await tx.contacts.addAlias(contact.id, channelId, address, Date.now());
      await tx.contacts.change(
        contact.id,
        { addTags: [`tag${prefix}`], attributes: { [`attr${prefix}`]: prefix } },
        Date.now(),
      );
    });
    return { id: contact.id, addresses, tag: `tag${prefix}`, attribute: `attr${prefix}` };
  }

  for (const order of ["erase first", "merge first"] as const) {
    it(`${order}: one of the two wins, whole`, async () => {
      const outcomes = new Set<string>();
      for (let round = 0; round < 6; round++) {
        const base = `49170${order === "erase first" ? 1 : 2}${round}`;
        const survivor = await person(`${base}1`, 1);
        const erased = await person(`${base}2`, IDENTITIES);
        const erase = () => stack.http("DELETE", `/api/v1/contacts/${erased.id}`);
        const merge = () => stack.http("POST", `/api/v1/contacts/${survivor.id}/merge`, { from: erased.id });
        let deleted: Response;
        let merged: Response;
        if (order === "erase first") [deleted, merged] = await Promise.all([erase(), merge()]);
        else [merged, deleted] = await Promise.all([merge(), erase()]);
        const { store } = stack.tern;
        const after = await store.contacts.get(survivor.id);
        const addresses = (await store.contacts.identities(survivor.id)).map((i) => i.address).sort();
        const where = `round ${round}: DELETE ${deleted.status}, merge ${merged.status}`;
        expect(await store.contacts.get(erased.id), where).toBeUndefined();
        if (merged.status === 200) {
          outcomes.add("merge won");
          expect(deleted.status, where).toBe(404);
          expect(addresses, where).toEqual([...survivor.addresses, ...erased.addresses].sort());
          expect(after?.tags, where).toContain(erased.tag);
          expect(after?.attributes, where).toHaveProperty(erased.attribute);
        } else {
          outcomes.add("erasure won");
          expect([deleted.status, merged.status], where).toEqual([204, 404]);
          expect(addresses, where).toEqual(survivor.addresses);
          expect(after?.tags, where).toEqual([survivor.tag]);
          expect(after?.attributes, where).toEqual({ [survivor.attribute]: `${base}1` });
          for (const address of erased.addresses) {
            expect(await store.contacts.owner(stack.setup.channelId, address), where).toBeUndefined();
          }
        }
      }
      // Which one wins is the race's; what matters is that each round is whole.
      expect(outcomes.size).toBeGreaterThan(0);
      const marks = await stack.tern.store.db.all(
        stack.tern.store.db.q.selectFrom("contact_erasures").selectAll(),
      );
      expect(marks).toEqual([]);
    });
  }
});
