import { describe, expect, it } from "vitest";
import { holdLeave, mayLeave } from "./router";

describe("leave guards", () => {
  it("asks the newest form with changes, and the one before once that one is released", () => {
    expect(mayLeave()).toBe(true);
    const asked: string[] = [];
    const guard = (name: string, answer: boolean) => () => {
      asked.push(name);
      return answer;
    };
    const releaseEdit = holdLeave(guard("edit", false));
    const releaseAdd = holdLeave(guard("add", true));
    expect(mayLeave()).toBe(true);
    expect(asked).toEqual(["add"]);
    // The add form saved: the edit form's changes still hold the page.
    releaseAdd();
    expect(mayLeave()).toBe(false);
    expect(asked).toEqual(["add", "edit"]);
    releaseEdit();
    releaseEdit();
    expect(mayLeave()).toBe(true);
  });
});
