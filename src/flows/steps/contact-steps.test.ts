import { describe, expect, it } from "vitest";
import { stepRegistry } from "../../steps.js";
import { flowOf, startRun } from "../testing/engine-fixtures.js";
import { createFakeHost } from "../testing/fake-host.js";
import { flowMatchesMessage } from "../trigger.js";
import { validateFlow } from "../validate.js";

describe("contact.tag and contact.set steps", () => {
  const flow = flowOf([
    { id: "tag", type: "contact.tag", add: ["vip", "lead:hot"], remove: ["cold"], next: "set" },
    {
      id: "set",
      type: "contact.set",
      attributes: { plan: "gold for {{ contact.name }}", seats: 3, old: null },
      next: "say",
    },
    {
      id: "say",
      type: "send",
      text: "{{ contact.tags | join: ',' }} / {{ contact.attributes.plan }} / {{ contact.attributes.seats }} / {{ contact.attributes.old }}",
    },
  ]);

  it("changes the contact and later steps see the change through contact.*", async () => {
    const host = createFakeHost({ contact: { tags: ["cold"], attributes: { old: "x" } } });
    const state = await startRun(flow, host);
    expect(state.status).toBe("completed");
    expect(host.sent.map((s) => s.text)).toEqual(["lead:hot,vip / gold for Ada / 3 / "]);
    expect(host.persisted.map((p) => p.record.output)).toEqual([
      { tags: ["lead:hot", "vip"] },
      { attributes: { plan: "gold for Ada", seats: 3, old: null } },
      expect.anything(),
    ]);
  });

  it("replaying the steps (a crash before the next persist) leaves the same contact", async () => {
    const host = createFakeHost();
    await startRun(flow, host);
    const once = structuredClone(host.contact);
    await startRun(flow, host, "run_2");
    expect(host.contact).toEqual(once);
  });

  it("fails the run with a clear error on a host without a contact store, and takes onError", async () => {
    const host = createFakeHost();
    host.updateContact = undefined;
    const failing = flowOf([
      { id: "tag", type: "contact.tag", add: ["vip"], onError: "sorry" },
      { id: "sorry", type: "send", text: "sorry" },
    ]);
    const state = await startRun(failing, host, "run_3");
    expect(state.status).toBe("completed");
    expect(host.sent.map((s) => s.text)).toEqual(["sorry"]);
  });

  it("refuses step configs that cannot work, with messages that say what to fix", () => {
    const errors = (step: unknown) =>
      validateFlow(
        {
          schema: "tern.flow/v1",
          name: "t",
          trigger: { type: "message", channels: ["whatsapp"] },
          steps: [step],
        },
        { steps: stepRegistry },
      ).errors.map((e) => e.message);
    expect(errors({ id: "t", type: "contact.tag" })).toEqual([
      expect.stringMatching(/add or remove at least one tag/),
    ]);
    expect(errors({ id: "t", type: "contact.tag", add: ["has space"] })).toEqual([
      expect.stringMatching(/no spaces/),
    ]);
    expect(errors({ id: "s", type: "contact.set", attributes: {} })).toEqual([
      expect.stringMatching(/at least one attribute/),
    ]);
    expect(errors({ id: "s", type: "contact.set", attributes: { "a-b": 1 } })).toEqual([
      expect.stringMatching(/attribute name/),
    ]);
  });
});

describe("trigger.tags", () => {
  const flow = {
    trigger: { type: "message" as const, channels: ["whatsapp"], tags: ["vip", "gold"] },
  };
  it("starts only for a contact with any of the tags", () => {
    expect(flowMatchesMessage(flow, { channel: "whatsapp", text: "hi", tags: ["gold"] })).toBe(true);
    expect(flowMatchesMessage(flow, { channel: "whatsapp", text: "hi", tags: ["silver"] })).toBe(false);
    expect(flowMatchesMessage(flow, { channel: "whatsapp", text: "hi" })).toBe(false);
    expect(
      flowMatchesMessage(
        { trigger: { ...flow.trigger, tags: undefined } },
        { channel: "whatsapp", text: "hi" },
      ),
    ).toBe(true);
  });
});
