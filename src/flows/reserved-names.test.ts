import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { flowOf, reply, startRun } from "./testing/engine-fixtures.js";
import { createFakeHost } from "./testing/fake-host.js";
import { validateFlow } from "./validate.js";

// As a flow file arrives: JSON.parse makes "__proto__" an own key, which the schema must see.
const flowJson = (steps: string) =>
  JSON.parse(
    `{"schema":"tern.flow/v1","name":"t","trigger":{"type":"message","channels":["whatsapp"]},"steps":${steps}}`,
  );
const errorsOf = (steps: string) => validateFlow(flowJson(steps), { steps: stepRegistry }).errors;

describe('"__proto__" as a name', () => {
  // Assigned as a key it sets the object's prototype: the step's output or the answer was lost.
  it.each([
    ['[{"id":"__proto__","type":"send","text":"Hi"}]', "$.steps[0].id", "a step id"],
    ['[{"id":"a","type":"ask","text":"Name?","save":"__proto__"}]', "$.steps[0].save", "a variable name"],
    ['[{"id":"a","type":"set","vars":{"__proto__":"x"}}]', "$.steps[0].vars.__proto__", '"__proto__"'],
    [
      '[{"id":"a","type":"http","url":"https://api.example.com/","map":{"__proto__":"status"}}]',
      "$.steps[0].map.__proto__",
      '"__proto__"',
    ],
    [
      '[{"id":"a","type":"contact.set","attributes":{"__proto__":"x"}}]',
      "$.steps[0].attributes.__proto__",
      '"__proto__"',
    ],
    [
      '[{"id":"a","type":"http","url":"https://api.example.com/","headers":{"__proto__":"x"}}]',
      "$.steps[0].headers.__proto__",
      '"__proto__"',
    ],
    ['[{"id":"a","type":"send","text":"Hi","next":"__proto__"}]', "$.steps[0].next", "a step id"],
  ])("is refused in %s", (steps, path, what) => {
    expect(errorsOf(steps)).toContainEqual(
      expect.objectContaining({
        path,
        message: expect.stringMatching(new RegExp(`${what} cannot be .*JavaScript reserves it`)),
      }),
    );
  });

  it("constructor and prototype stay ordinary names: a run keeps what they hold", async () => {
    const flow = flowOf([
      { id: "constructor", type: "ask", text: "Name?", save: "prototype", next: "prototype" },
      { id: "prototype", type: "set", vars: { constructor: "set" }, next: "tell" },
      {
        id: "tell",
        type: "send",
        text: "{{ vars.prototype }} {{ steps.constructor.value }} {{ vars.constructor }} {{ vars.toString }}.",
      },
    ]);
    const host = createFakeHost();
    const state = await reply(flow, await startRun(flow, host), host, "Ada");
    expect(host.sent.at(-1)?.text).toBe("Ada Ada set .");
    expect(state.status).toBe("completed");
  });
});
