import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";
import { toE164 } from "./field-values.js";

/** Run-time shaping of values in the create action, against the emulator (which enforces lengths). */
let sf: SalesforceEmulator;
beforeAll(async () => {
  sf = await startSalesforceEmulator();
});
afterAll(async () => {
  await sf.close();
});

const ctx = { connectionId: "c1", intentAt: Date.now(), key: "k1" };

describe("salesforce field values at run time", () => {
  it("stores phone fields in E.164 and cuts long text to the field's length with a note", async () => {
    const runtime = salesforceConnector.create("c1", testDeps());
    const config = SalesforceConfig.parse(sf.credentials);
    const transcript = "é".repeat(32_010);
    const out = (await runtime.actions.create?.run(
      {
        object: "Lead",
        fields: {
          LastName: "Lovelace",
          Company: "Analytical Engines",
          Phone: "+44 20 7946 0958",
          MobilePhone: "call me after 5",
          Description: transcript,
        },
      },
      config,
      ctx,
    )) as { id: string; notes?: string[] };
    expect(out.notes).toEqual([
      "Description was cut from 32010 to 32000 characters to fit its length in Salesforce (32000).",
    ]);
    const [lead] = sf.records("Lead");
    expect(lead).toMatchObject({ Id: out.id, Phone: "+442079460958", MobilePhone: "call me after 5" });
    expect(lead?.Description).toBe("é".repeat(32_000));
  });

  it("counts an emoji as two characters, as Salesforce does, and never cuts one in half", async () => {
    const runtime = salesforceConnector.create("c3", testDeps());
    const config = SalesforceConfig.parse(sf.credentials);
    // LastName holds 80: the emoji's two halves would be characters 80 and 81.
    const name = `${"x".repeat(79)}😀yy`;
    const out = (await runtime.actions.create?.run(
      { object: "Lead", fields: { LastName: name, Company: "Emoji Ltd" } },
      config,
      ctx,
    )) as { id: string; notes?: string[] };
    expect(out.notes).toEqual([
      "LastName was cut from 83 to 79 characters to fit its length in Salesforce (80).",
    ]);
    expect(sf.records("Lead").find((l) => l.Id === out.id)?.LastName).toBe("x".repeat(79));
  });

  it("cuts between whole characters: never inside a flag, a family emoji or an accented letter", async () => {
    const runtime = salesforceConnector.create("c4", testDeps());
    const config = SalesforceConfig.parse(sf.credentials);
    // LastName holds 80 UTF-16 units: the flag's second half would be the 81st, the family's
    // fourth person past it, the accent of "é" (e + U+0301) the 81st.
    const cases = [`${"x".repeat(78)}🇲🇽y`, `${"x".repeat(74)}👨‍👩‍👧‍👦`, `${"x".repeat(79)}e\u0301`];
    const names: unknown[] = [];
    for (const name of cases) {
      const out = (await runtime.actions.create?.run(
        { object: "Lead", fields: { LastName: name, Company: "Grapheme Ltd" } },
        config,
        ctx,
      )) as { id: string };
      names.push(sf.records("Lead").find((l) => l.Id === out.id)?.LastName);
    }
    expect(names).toEqual(["x".repeat(78), "x".repeat(74), "x".repeat(79)]);
  });

  it("uses the cached describe: one API call per record once cached, and no notes when nothing changed", async () => {
    const runtime = salesforceConnector.create("c2", testDeps());
    // Batching off: this counts describe calls, not how creates share a request (batching.test.ts).
    const config = SalesforceConfig.parse({ ...sf.credentials, batchWindowMs: 0 });
    const create = (i: number) =>
      runtime.actions.create?.run(
        { object: "Lead", fields: { LastName: `L${i}`, Company: "Co", Phone: "+1 631 555 1181" } },
        config,
        ctx,
      );
    await create(0);
    const used = sf.apiUsage;
    const outs = await Promise.all([create(1), create(2), create(3)]);
    expect(sf.apiUsage - used).toBe(3);
    expect(outs.every((o) => !Object.hasOwn(o as object, "notes"))).toBe(true);
    expect(sf.records("Lead").at(-1)?.Phone).toBe("+16315551181");
  });

  it("keeps a number it cannot parse as the customer wrote it", () => {
    expect(toE164("(631) 555-1181")).toBe("(631) 555-1181");
    expect(toE164("+1 (631) 555-1181")).toBe("+16315551181");
    expect(toE164("+12")).toBe("+12");
    expect(toE164("")).toBe("");
  });
});
