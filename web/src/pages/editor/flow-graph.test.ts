import { describe, expect, it } from "vitest";
import type { FlowFile } from "../../api/types";
import {
  addStep,
  connect,
  exitsOf,
  freeExit,
  freeSpot,
  newStepId,
  positionOf,
  removeExit,
  removeStep,
  replaceStep,
  stepSummary,
  stepsBefore,
} from "./flow-graph";

const flow = (): FlowFile => ({
  schema: "tern.flow/v1",
  name: "Graph",
  trigger: { type: "message", channels: ["whatsapp"] },
  start: "menu",
  steps: [
    {
      id: "menu",
      type: "menu",
      text: "Pick",
      choices: [
        { id: "sales", title: "Sales", next: "ask" },
        { id: "help", title: "Help" },
      ],
      next: "bye",
      onTimeout: "bye",
    },
    { id: "ask", type: "ask", text: "Name?", save: "name", next: "route", onError: "bye" },
    {
      id: "route",
      type: "branch",
      conditions: [{ when: { left: "x", op: "exists" }, next: "bye" }],
      else: "ask",
    },
    { id: "bye", type: "send", text: "Bye" },
  ],
  layout: { steps: { menu: { x: 0, y: 0 }, bye: { x: 0, y: 600 } } },
});

describe("flow graph", () => {
  it("finds transitions at the top level and `next` inside array items, labelled by field", () => {
    const [menu, ask, route] = flow().steps;
    expect(exitsOf(menu!)).toEqual([
      { path: ["choices", 0, "next"], label: "choices: Sales", target: "ask" },
      { path: ["next"], label: "next", target: "bye" },
      { path: ["onTimeout"], label: "onTimeout", target: "bye" },
    ]);
    expect(exitsOf(ask!).map((e) => e.label)).toEqual(["next", "onError"]);
    expect(exitsOf(route!).map((e) => [e.label, e.target])).toEqual([
      ["conditions: 1", "bye"],
      ["else", "ask"],
    ]);
  });

  it("deleting a step clears every transition to it, its position and the start", () => {
    const out = removeStep(flow(), "bye");
    expect(out.steps.map((s) => s.id)).toEqual(["menu", "ask", "route"]);
    expect(out.steps.flatMap(exitsOf).map((e) => e.target)).toEqual(["ask", "route", "ask"]);
    expect(out.layout?.steps.bye).toBeUndefined();
    const noStart = removeStep(flow(), "menu");
    expect(noStart.start).toBeUndefined();
  });

  it("never changes the flow it was given (history keeps old files)", () => {
    const before = flow();
    const copy = JSON.stringify(before);
    removeStep(before, "ask");
    removeExit(before, "menu", ["choices", 0, "next"]);
    replaceStep(before, "ask", { ...before.steps[1]!, id: "ask_name" });
    expect(JSON.stringify(before)).toBe(copy);
  });

  it("renaming a step moves the transitions, the start and the position with it", () => {
    const out = replaceStep(flow(), "menu", { ...flow().steps[0]!, id: "main_menu" });
    expect(out.start).toBe("main_menu");
    expect(out.layout?.steps.main_menu).toEqual({ x: 0, y: 0 });
    const renamedBye = replaceStep(flow(), "bye", { id: "goodbye", type: "send", text: "Bye" });
    expect(renamedBye.steps[0]?.next).toBe("goodbye");
    expect((renamedBye.steps[2]?.conditions as Array<{ next: string }> | undefined)?.[0]?.next).toBe(
      "goodbye",
    );
  });

  it("connects through the first free transition field, never onError; null when all are taken", () => {
    const base = addStep(flow(), { id: "extra", type: "send", text: "x" }, { x: 1, y: 2 });
    const linked = connect(base, "bye", "extra", ["next", "onError"]);
    expect(linked?.steps.find((s) => s.id === "bye")?.next).toBe("extra");
    expect(connect(base, "ask", "extra", ["next", "onError"])).toBeNull();
    expect(connect(base, "bye", "bye", ["next"])).toBeNull();
    expect(connect(base, "route", "extra", ["else"])).toBeNull();
  });

  it("removes one transition inside an array item", () => {
    const out = removeExit(flow(), "menu", ["choices", 0, "next"]);
    expect((out.steps[0]?.choices as Array<Record<string, unknown>> | undefined)?.[0]).toEqual({
      id: "sales",
      title: "Sales",
    });
  });

  it("lists the steps that can run before a step, through any transition, never the step itself", () => {
    // route → else → ask → next → route is a loop: route is not its own predecessor.
    expect(
      stepsBefore(flow(), "route")
        .map((s) => s.id)
        .sort(),
    ).toEqual(["ask", "menu"]);
    expect(stepsBefore(flow(), "menu")).toEqual([]);
  });

  it("makes ids from the type that no step has, and positions for steps without one", () => {
    const f = addStep(flow(), { id: "salesforce_create_1", type: "salesforce.create" }, { x: 10.4, y: 20.6 });
    expect(newStepId(f, "salesforce.create")).toBe("salesforce_create_2");
    expect(f.layout?.steps.salesforce_create_1).toEqual({ x: 10, y: 21 });
    expect(positionOf(f, "bye")).toEqual({ x: 0, y: 600 });
    expect(positionOf(f, "ask")).toEqual({ x: 100, y: 180 });
  });

  it("places a new step where no step is drawn, to the right of one that is", () => {
    const f = flow();
    // Drawn: menu (0, 0), ask (100, 180), route (120, 320), bye (0, 600).
    expect(freeSpot(f, { x: 0, y: 450 })).toEqual({ x: 0, y: 450 });
    expect(freeSpot(f, { x: 0, y: 620 })).toEqual({ x: 260, y: 620 });
  });

  it("names the exit a new link takes: the first free one, never onError", () => {
    const [menu, ask, , bye] = flow().steps;
    expect(freeExit(bye!, ["next", "onError"])).toBe("next");
    expect(freeExit(menu!, ["next", "onTimeout", "onError"])).toBeNull();
    expect(freeExit(ask!, ["next", "onError", "onInvalid"])).toBe("onInvalid");
  });

  it("summarises a step in one line", () => {
    expect(stepSummary({ id: "a", type: "send", text: "x".repeat(100) })).toHaveLength(60);
    expect(stepSummary({ id: "b", type: "salesforce.create", object: "Lead" })).toBe("Lead");
  });
});
