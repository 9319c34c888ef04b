import { describe, expect, it } from "vitest";
import { engine, flowOf, reply, startRun } from "../testing/engine-fixtures.js";
import { createFakeHost } from "../testing/fake-host.js";

/** Choice titles that render blank or alike (templates over the run's data), through the engine. */
const menu = (type: "menu" | "ask") =>
  flowOf([
    { id: "init", type: "set", vars: { plan: "Standard" }, next: "pick" },
    {
      id: "pick",
      type,
      text: "Which plan?",
      ...(type === "ask" ? { save: "plan_id", expect: "choice" } : {}),
      choices: [
        { id: "basic", title: "{{ vars.plan }}" },
        { id: "pro", title: "{{ vars.plan }}" },
        { id: "other", title: "{{ vars.missing }}" },
      ],
      next: "echo",
    },
    { id: "echo", type: "send", text: "{{ steps.pick.value }}" },
  ]);

describe("choice titles as rendered", () => {
  it.each(["menu", "ask"] as const)(
    "%s: a blank title shows the id; a title two choices share is no answer, their numbers are",
    async (type) => {
      const flow = menu(type);
      const host = createFakeHost();
      let state = await startRun(flow, host);
      expect(host.sent[0]?.choices).toEqual([
        { id: "basic", title: "Standard" },
        { id: "pro", title: "Standard" },
        { id: "other", title: "other" },
      ]);
      state = await reply(flow, state, host, "standard", 1);
      expect(state.status).toBe("waiting");
      expect(host.sent.at(-1)?.text).toBe("Please choose one of the options.");
      state = await reply(flow, state, host, "Other", 2);
      expect(host.sent.at(-1)?.text).toBe("other");
      const again = createFakeHost();
      const second = await reply(flow, await startRun(flow, again), again, "2");
      expect(second.status).toBe("completed");
      expect(again.sent.at(-1)?.text).toBe("pro");
    },
  );

  it("send: a blank button title shows the id", async () => {
    const flow = flowOf([
      { id: "s", type: "send", text: "Hi", choices: [{ id: "yes", title: "{{ vars.none }}" }] },
    ]);
    const host = createFakeHost();
    await engine.advance(
      flow,
      engine.newRun("r", flow, 1, "f"),
      { type: "start", message: host.inbound("hi") },
      host,
    );
    expect(host.sent[0]?.choices).toEqual([{ id: "yes", title: "yes" }]);
  });
});
