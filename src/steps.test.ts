import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allSteps, stepRegistry } from "./steps.js";

/** Every `.ts` file under a folder, tests included. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("step registry composition", () => {
  it("holds the core steps and every step the Salesforce connector contributes", () => {
    expect(allSteps.map((s) => s.type)).toEqual([
      "send",
      "ask",
      "branch",
      "set",
      "contact.tag",
      "contact.set",
      "end",
      "http",
      "menu",
      "goto",
      "split",
      "wait",
      "handoff",
      "subflow",
      "salesforce.create",
      "salesforce.update",
      "salesforce.upsert",
      "salesforce.find",
      "salesforce.get",
    ]);
    expect(stepRegistry.get("salesforce.find")?.title).toBe("Find Salesforce records");
  });

  it("keeps the flow engine free of connector code: no file in src/flows imports src/connectors", () => {
    const flowsDir = path.join(import.meta.dirname, "flows");
    const offenders = sourceFiles(flowsDir)
      .filter((file) => !file.includes(`${path.sep}testing${path.sep}`) && !file.endsWith(".test.ts"))
      .filter((file) => /from\s+["'][./]*(\.\.\/)+(connectors|steps\.js)/.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
