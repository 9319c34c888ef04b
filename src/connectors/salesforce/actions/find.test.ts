import { describe, expect, it } from "vitest";
import { rejection, useEmulator } from "./test-runtime.js";

const { env, run } = useEmulator();

const seedLeads = () => {
  env.sf.seedRecord("Lead", { LastName: "Lovelace", Company: "Engines", Phone: "+15550100" });
  env.sf.seedRecord("Lead", { LastName: "O'Brien", Company: "Pubs", Phone: "+15550101" });
  env.sf.seedRecord("Lead", { LastName: "Hopper", Company: "Navy", Phone: "+15550100" });
};

describe("salesforce.find", () => {
  it("finds the records where every condition holds, with the asked fields, count, first and url", async () => {
    seedLeads();
    const out = await run("find", {
      object: "Lead",
      where: [
        { field: "Phone", op: "=", value: "+15550100" },
        { field: "Company", op: "IN", value: ["Navy", "Pubs"] },
      ],
      fields: ["LastName", "Company"],
    });
    const hopper = env.sf.records("Lead").find((l) => l.LastName === "Hopper");
    expect(out).toEqual({
      records: [
        { Id: hopper?.Id, LastName: "Hopper", Company: "Navy", url: `${env.sf.instanceUrl}/${hopper?.Id}` },
      ],
      count: 1,
      first: {
        Id: hopper?.Id,
        LastName: "Hopper",
        Company: "Navy",
        url: `${env.sf.instanceUrl}/${hopper?.Id}`,
      },
      found: true,
    });
  });

  it("finds a name with a quote in it, and answers nothing found as count 0 and first null", async () => {
    seedLeads();
    const quoted = await run("find", {
      object: "Lead",
      where: [{ field: "LastName", op: "=", value: "O'Brien" }],
    });
    expect(quoted.count).toBe(1);
    const none = await run("find", {
      object: "Lead",
      where: [{ field: "LastName", op: "=", value: "Nobody" }],
    });
    expect(none).toEqual({ records: [], count: 0, first: null, found: false });
  });

  it("SOQL injection through a value finds nothing and changes nothing", async () => {
    seedLeads();
    const before = env.sf.records("Lead");
    const attacks = [
      "' OR Name != '",
      "x' OR LastName != 'x",
      "\\' OR LastName != null OR LastName = '",
      "%' OR LastName LIKE '%",
      "'; DELETE FROM Lead; --",
      "x'\n) OR (LastName != null",
    ];
    for (const value of attacks) {
      for (const op of ["=", "LIKE"]) {
        const out = await run("find", { object: "Lead", where: [{ field: "LastName", op, value }] });
        expect({ value, op, count: out.count }).toEqual({ value, op, count: 0 });
      }
      const inList = await run("find", {
        object: "Lead",
        where: [{ field: "LastName", op: "IN", value: [value] }],
      });
      expect(inList.count).toBe(0);
    }
    // Typed fields never carry text into the query: refused before any request.
    const usage = env.sf.apiUsage;
    const typed = await rejection(
      run("find", {
        object: "Lead",
        where: [{ field: "NumberOfEmployees", op: "=", value: "1 OR Id != null" }],
      }),
    );
    expect(typed.code).toBe("VALIDATION_FAILED");
    expect(env.sf.apiUsage - usage).toBeLessThanOrEqual(1); // at most the (cached) describe
    expect(env.sf.records("Lead")).toEqual(before);
  });

  it("names an unknown field and a bad operator instead of sending a query", async () => {
    const unknown = await rejection(
      run("find", { object: "Lead", where: [{ field: "Nope__c", op: "=", value: "x" }] }),
    );
    expect(unknown.code).toBe("SALESFORCE_FIELD_INVALID");
    expect(unknown.message).toContain('Lead has no field "Nope__c"');
    const badOp = await rejection(
      run("find", { object: "Lead", where: [{ field: "LastName", op: "OR", value: "x" }] }),
    );
    expect(badOp.code).toBe("VALIDATION_FAILED");
  });
});

describe("salesforce.find, given a query answer without records", () => {
  it("fails the step as a bad gateway (retried), not with a TypeError", async () => {
    env.sf.failNext(200, { totalSize: 0, done: true }, { on: "query", times: 5 });
    const error = await rejection(
      run("find", { object: "Lead", where: [{ field: "LastName", op: "=", value: "x" }] }),
    );
    expect(error.name).toBe("AppError");
    expect(error.details).toMatchObject({ httpStatus: 502 });
    expect(error.retry).not.toBe("never");
  });
});
