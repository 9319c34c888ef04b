import { describe, expect, it } from "vitest";
import type { DescribeResult, SalesforceClient, SaveResult } from "../client.js";
import { sendCreates } from "./create-batch.js";
import { hasKeyField } from "./exactly-once.js";

/**
 * The upsert path in external id mode (Tern_Key__c) when a duplicate rule refuses a record. The
 * client is a stand-in for the two calls involved: what Salesforce answers is the point here,
 * not the wire (the emulator's collections do not run duplicate rules).
 */
const refused = (duplicateResult?: unknown): SaveResult => ({
  success: false,
  errors: [
    {
      statusCode: "DUPLICATES_DETECTED",
      message: "Use one of these records?",
      ...(duplicateResult ? { duplicateResult: duplicateResult as never } : {}),
    },
  ],
});
const matches = {
  allowSave: false,
  matchResults: [{ matchRecords: [{ record: { Id: "00Q000000000001AAA" } }] }],
};
const mode = { kind: "externalId", field: "Tern_Key__c" } as const;
const pending = [{ fields: { LastName: "Ada", Email: "ada@example.com" }, key: "run_1:1:0" }];

function client(answer: SaveResult, single: () => Promise<{ id: string; created: boolean }>) {
  const calls: string[] = [];
  const stub = {
    async upsertMany() {
      calls.push("upsertMany");
      return [answer];
    },
    async upsert(_object: string, field: string, value: string) {
      calls.push(`upsert ${field}=${value}`);
      return single();
    },
  } as unknown as SalesforceClient;
  return { stub, calls };
}

describe("sendCreates in external id mode, a record a duplicate rule refused", () => {
  it("keeps the matching ids the collection's answer carries (an UpsertResult's DuplicateError)", async () => {
    const { stub, calls } = client(refused(matches), async () => ({ id: "x", created: true }));
    const [result] = await sendCreates(stub, "Lead", mode, pending, "62.0");
    expect(result?.ok).toBe(false);
    const error = result && !result.ok ? (result.error as { details?: Record<string, unknown> }) : undefined;
    expect(error?.details).toMatchObject({ duplicateIds: ["00Q000000000001AAA"] });
    expect(calls).toEqual(["upsertMany"]);
  });

  it("sends it again alone when the collection dropped the matches, and answers as that single upsert does", async () => {
    const single = async () => {
      throw Object.assign(new Error("dup"), { isSingle: true });
    };
    const { stub, calls } = client(refused(), single);
    const [result] = await sendCreates(stub, "Lead", mode, pending, "62.0");
    expect(calls).toEqual(["upsertMany", "upsert Tern_Key__c=run_1:1:0"]);
    expect(result?.ok).toBe(false);
  });
});

describe("sendCreates, a record the server failed on inside a collection", () => {
  it("is a server error that is tried again (as a lone create's 500), while a field's refusal is final", async () => {
    const stub = {
      async createMany() {
        return [
          { id: "00Q000000000001AAA", success: true, errors: [] },
          {
            success: false,
            errors: [
              {
                statusCode: "UNKNOWN_EXCEPTION",
                message:
                  "An unexpected error occurred. Please include this ErrorId if you contact support: 1-2 (-3)",
              },
            ],
          },
          {
            success: false,
            errors: [
              {
                statusCode: "REQUIRED_FIELD_MISSING",
                message: "Required fields are missing: [Company]",
                fields: ["Company"],
              },
            ],
          },
        ] satisfies SaveResult[];
      },
    } as unknown as SalesforceClient;
    const three = [0, 1, 2].map((i) => ({ fields: { LastName: `P${i}` }, key: `k${i}` }));
    const [ok, server, field] = await sendCreates(stub, "Lead", { kind: "lookup" } as never, three, "62.0");
    expect(ok).toMatchObject({ ok: true, value: { id: "00Q000000000001AAA" } });
    const error = (r: typeof server) =>
      r && !r.ok ? (r.error as { code: string; retry?: unknown }) : undefined;
    expect(error(server)).toMatchObject({ code: "SALESFORCE_UNAVAILABLE" });
    expect(error(server)?.retry).not.toBe("never");
    expect(error(field)).toMatchObject({ code: "SALESFORCE_REQUIRED_FIELD_MISSING" });
  });
});

describe("exact mode's key field", () => {
  const describeWith = (over: Record<string, unknown>) =>
    ({
      name: "Lead",
      label: "Lead",
      keyPrefix: "00Q",
      fields: [
        { name: "Tern_Key__c", type: "string", externalId: true, unique: true, createable: true, ...over },
      ],
    }) as unknown as DescribeResult;

  it("must be an External ID marked Unique, else two racing upserts of one key could make two records", () => {
    expect(hasKeyField(describeWith({}), "tern_key__c")).toBe(true);
    expect(hasKeyField(describeWith({ unique: false }), "Tern_Key__c")).toBe(false);
    expect(hasKeyField(describeWith({ externalId: false }), "Tern_Key__c")).toBe(false);
    expect(hasKeyField(describeWith({ type: "double" }), "Tern_Key__c")).toBe(false);
  });
});
