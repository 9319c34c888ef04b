import { describe, expect, it } from "vitest";
import type { DescribeResult } from "./client.js";
import { filterLiteral, reconcileQuery, soqlDatetime, soqlString } from "./soql.js";

const describeLead: DescribeResult = {
  name: "Lead",
  label: "Lead",
  keyPrefix: "00Q",
  fields: [
    {
      name: "LastName",
      label: "Last Name",
      type: "string",
      length: 80,
      nillable: false,
      createable: true,
      defaultedOnCreate: false,
      filterable: true,
    },
    {
      name: "Description",
      label: "Description",
      type: "textarea",
      length: 32000,
      nillable: true,
      createable: true,
      defaultedOnCreate: false,
      filterable: false,
    },
    {
      name: "NumberOfEmployees",
      label: "Employees",
      type: "int",
      length: 0,
      nillable: true,
      createable: true,
      defaultedOnCreate: false,
      filterable: true,
    },
    {
      name: "HasOptedOutOfEmail",
      label: "Opt out",
      type: "boolean",
      length: 0,
      nillable: false,
      createable: true,
      defaultedOnCreate: true,
      filterable: true,
    },
  ],
};

describe("soql building", () => {
  it("escapes quotes, backslashes and control characters in string literals", () => {
    expect(soqlString('O\'Brien \\ "x"\n')).toBe("'O\\'Brien \\\\ \\\"x\\\"\\n'");
    expect(soqlString("' OR Name != '")).toBe("'\\' OR Name != \\''");
  });

  it("writes datetimes as unquoted UTC literals", () => {
    expect(soqlDatetime(Date.parse("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05Z");
  });

  it("uses each filterable value that was sent, typed by describe", () => {
    const q = reconcileQuery(
      "Lead",
      {
        lastname: " Ada ",
        Description: "long",
        NumberOfEmployees: 5,
        HasOptedOutOfEmail: false,
        Unknown: "x",
        Email: "",
      },
      describeLead,
      Date.parse("2026-01-01T00:00:00Z"),
    );
    expect(q).toBe(
      "SELECT Id FROM Lead WHERE LastName = 'Ada' AND NumberOfEmployees = 5 AND HasOptedOutOfEmail = false AND CreatedDate >= 2026-01-01T00:00:00Z ORDER BY CreatedDate DESC LIMIT 1",
    );
  });

  it("returns null when no value can identify the record", () => {
    expect(reconcileQuery("Lead", { Description: "x", Email: null }, describeLead, 0)).toBeNull();
  });

  it("falls back to plain rules without describe", () => {
    expect(filterLiteral(undefined, "Description", "x")).toBeNull();
    expect(filterLiteral(undefined, "Street", "a\nb")).toBeNull();
    expect(filterLiteral(undefined, "Custom__c", 42)).toBeNull();
    expect(filterLiteral(undefined, "Phone", "+44 20")).toBe("'+44 20'");
  });
});
