import { describe, expect, it } from "vitest";
import { AppError } from "../../core/app-error.js";
import type { DescribeField, DescribeResult } from "./client.js";
import { buildFindQuery } from "./find-query.js";

const field = (name: string, type: string, filterable = true): DescribeField => ({
  name,
  label: name,
  type,
  length: 80,
  nillable: true,
  createable: true,
  defaultedOnCreate: false,
  filterable,
});

const lead: DescribeResult = {
  name: "Lead",
  label: "Lead",
  keyPrefix: "00Q",
  fields: [
    field("Id", "id"),
    field("LastName", "string"),
    field("Phone", "phone"),
    field("NumberOfEmployees", "int"),
    field("IsConverted", "boolean"),
    field("CreatedDate", "datetime"),
    field("Birthdate__c", "date"),
    field("Description", "textarea", false),
  ],
};

const build = (where: Array<{ field: string; op: string; value: unknown }>, fields: string[] = []) =>
  buildFindQuery({ object: "lead", where: where as never, fields, limit: 5 }, lead);

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a throw");
}

describe("buildFindQuery", () => {
  it("writes one typed literal per condition, joined with AND, with canonical names", () => {
    expect(
      build(
        [
          { field: "phone", op: "=", value: "+1 555" },
          { field: "NumberOfEmployees", op: ">=", value: "10" },
          { field: "IsConverted", op: "=", value: false },
          { field: "CreatedDate", op: ">", value: "2026-01-31T09:30:00Z" },
          { field: "Birthdate__c", op: "<", value: "2000-01-01" },
          { field: "LastName", op: "IN", value: ["O'Brien", "Ng"] },
          { field: "LastName", op: "!=", value: null },
          { field: "LastName", op: "LIKE", value: "Ada%" },
        ],
        ["lastname", "Phone", "Id"],
      ),
    ).toBe(
      "SELECT Id, LastName, Phone FROM Lead WHERE Phone = '+1 555' AND NumberOfEmployees >= 10 AND IsConverted = false AND CreatedDate > 2026-01-31T09:30:00Z AND Birthdate__c < 2000-01-01 AND LastName IN ('O\\'Brien', 'Ng') AND LastName != null AND LastName LIKE 'Ada%' LIMIT 5",
    );
  });

  it.each([
    ["' OR Name != '", "'\\' OR Name != \\''"],
    ["\\' OR Id != null OR Name = '", "'\\\\\\' OR Id != null OR Name = \\''"],
    ["x'\n) OR (Id != null", "'x\\'\\n) OR (Id != null'"],
  ])("keeps %j one quoted string literal", (value, literal) => {
    expect(build([{ field: "LastName", op: "=", value }])).toBe(
      `SELECT Id FROM Lead WHERE LastName = ${literal} LIMIT 5`,
    );
  });

  it.each([
    [{ field: "NumberOfEmployees", op: "=", value: "1 OR Id != null" }, "not a number"],
    [{ field: "IsConverted", op: "=", value: "true OR Id != null" }, "compare it with true or false"],
    [{ field: "CreatedDate", op: ">", value: "2026-01-01 OR Id != null" }, "write the value like"],
    [{ field: "NumberOfEmployees", op: "LIKE", value: "1%" }, "LIKE works on text fields"],
    [{ field: "LastName", op: "<", value: null }, "only = and != compare with null"],
    [{ field: "Phone", op: "=", value: "  " }, "Use null to find records without a Phone"],
    [{ field: "Description", op: "=", value: "x" }, "can't be searched"],
  ])("refuses %j before any query: %s", (condition, message) => {
    expect(thrown(() => build([condition])).message).toContain(message);
  });

  it("refuses names that are not fields of the object or not API names", () => {
    expect(thrown(() => build([{ field: "Nope__c", op: "=", value: "x" }])).message).toContain(
      'Lead has no field "Nope__c"',
    );
    expect(thrown(() => build([], ["Name FROM Account--"])).code).toBe("SALESFORCE_FIELD_INVALID");
  });
});
