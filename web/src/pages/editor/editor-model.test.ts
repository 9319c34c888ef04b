import { describe, expect, it } from "vitest";
import type { FlowFile, JsonSchema } from "../../api/types";
import { push, redo, startHistory, undo } from "./history";
import { toRecord, toRows } from "./kv-rows";
import { issuesFromError, sortProblems } from "./problems";
import { newStep, readFlowSchema, transitionFields } from "./step-schemas";
import { insertAt, variablesFor } from "./variables";

const flow: FlowFile = {
  schema: "tern.flow/v1",
  name: "Lead",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: "Name?", save: "name", next: "create" },
    {
      id: "create",
      type: "salesforce.create",
      connection: "salesforce",
      object: "Lead",
      fields: {},
      next: "done",
    },
    { id: "done", type: "send", text: "Thanks" },
    { id: "other", type: "set", vars: { plan: "gold" } },
  ],
};

describe("history", () => {
  it("undoes and redoes, and a new change drops the redo list", () => {
    let h = startHistory("a");
    h = push(push(h, "b"), "c");
    h = undo(undo(h));
    expect(h.present).toBe("a");
    h = redo(h);
    expect(h.present).toBe("b");
    h = push(h, "d");
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
    expect(undo(startHistory("x")).present).toBe("x");
  });
});

describe("problems", () => {
  it("puts issues on steps by stepId or by $.steps[N], the rest on the flow", () => {
    const sorted = sortProblems(flow, {
      errors: [
        { path: "$.steps[1].fields", message: "Lead requires Company", stepId: "create", field: "Company" },
        { path: "$.steps[0].save", message: "bad name" },
        { path: "$.name", message: "give the flow a name" },
      ],
      warnings: [{ path: "$.steps[2]", message: "unreachable" }],
    });
    expect(sorted.byStep.get("create")?.[0]).toMatchObject({ where: "fields", level: "error" });
    expect(sorted.byStep.get("ask_name")?.[0]?.where).toBe("save");
    expect(sorted.byStep.get("done")?.[0]).toMatchObject({ where: "", level: "warning" });
    expect(sorted.flow.map((p) => p.path)).toEqual(["$.name"]);
    expect(sorted.errorCount).toBe(3);
  });

  it("reads the issues of a refused publish from the error details", () => {
    expect(issuesFromError({ errors: [{ path: "$", message: "x" }] })?.warnings).toEqual([]);
    expect(issuesFromError({ fields: [] })).toBeNull();
    expect(issuesFromError(undefined)).toBeNull();
  });
});

describe("variables", () => {
  it("offers saved and set variables, contact and message, and outputs of earlier steps only", () => {
    const names = variablesFor(flow, "done").map((v) => v.expression);
    expect(names).toEqual(
      expect.arrayContaining(["vars.name", "vars.plan", "contact.phone", "message.text"]),
    );
    expect(names).toEqual(
      expect.arrayContaining(["steps.create.id", "steps.create.url", "steps.ask_name.value"]),
    );
    expect(names).not.toContain("steps.done");
    expect(variablesFor(flow, "ask_name").some((v) => v.group === "Steps")).toBe(false);
  });

  it("inserts at the caret or replaces the selection", () => {
    expect(insertAt("Hi !", "vars.name", { start: 3, end: 3 })).toEqual({
      value: "Hi {{ vars.name }}!",
      caret: 18,
    });
    expect(insertAt("Hi X", "vars.name", { start: 3, end: 4 }).value).toBe("Hi {{ vars.name }}");
    expect(insertAt("Hi", "vars.name", null).value).toBe("Hi{{ vars.name }}");
  });
});

describe("step schemas", () => {
  const root: JsonSchema = {
    properties: {
      steps: {
        items: {
          oneOf: [
            {
              title: "Ask a question",
              description: "Asks",
              properties: {
                id: { type: "string" },
                type: { const: "ask" },
                onError: { type: "string" },
                text: { type: "string" },
                save: { type: "string" },
                expect: { type: "string", enum: ["text", "number"], default: "text" },
                next: { type: "string" },
                onTimeout: { type: "string" },
              },
              required: ["id", "type", "text", "save"],
            },
            {
              properties: { type: { const: "split" }, paths: { type: "array" } },
              required: ["type", "paths"],
            },
          ],
        },
      },
    },
  };

  it("lists every step type with its title, and transition fields with next first", () => {
    const schema = readFlowSchema(root);
    expect(schema.stepTypes.map((t) => [t.type, t.title])).toEqual([
      ["ask", "Ask a question"],
      ["split", "split"],
    ]);
    expect(transitionFields(schema.byType.get("ask"))).toEqual(["next", "onError", "onTimeout"]);
    expect(transitionFields(schema.byType.get("split"))).toEqual([]);
  });

  it("makes a new step with an empty value for each required field", () => {
    const schema = readFlowSchema(root);
    expect(newStep(schema.byType.get("ask")!, "ask_1")).toEqual({
      id: "ask_1",
      type: "ask",
      text: "",
      save: "",
    });
    expect(newStep(schema.byType.get("split")!, "split_1")).toEqual({
      id: "split_1",
      type: "split",
      paths: [],
    });
  });
});

describe("key/value rows", () => {
  it("keep non-text values as written and leave rows without a key out of the map", () => {
    const rows = toRows({ LastName: "{{ vars.name }}", NumberOfEmployees: 12, IsActive: false, Note: null });
    expect(rows.map((r) => r.value)).toEqual(["{{ vars.name }}", "12", "false", "null"]);
    expect(toRecord([...rows, { key: "", value: "typed" }])).toEqual({
      LastName: "{{ vars.name }}",
      NumberOfEmployees: 12,
      IsActive: false,
      Note: null,
    });
    expect(toRecord([{ key: "NumberOfEmployees", value: "13" }])).toEqual({ NumberOfEmployees: "13" });
  });
});
