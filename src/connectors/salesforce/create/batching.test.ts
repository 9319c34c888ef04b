import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../../core/app-error.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import type { ConnectorDeps } from "../../connector.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";
import { DEFAULT_BATCH_WINDOW_MS } from "./exactly-once.js";

/**
 * Creates of one object and connection that wait together go as one sObject Collections
 * request, each caller getting what a single create gives it; a lone create goes at once.
 * Against the emulator (reference/salesforce.md §2.7).
 */
let sf: SalesforceEmulator;
afterEach(async () => {
  await sf?.close();
});

async function start(options: { ternKeyField?: boolean; workerLoad?: ConnectorDeps["workerLoad"] } = {}) {
  sf = await startSalesforceEmulator({ ternKeyField: options.ternKeyField });
  return salesforceConnector.create("c1", testDeps({ workerLoad: options.workerLoad }));
}

const config = (over: Record<string, unknown> = {}) => SalesforceConfig.parse({ ...sf.credentials, ...over });
const ctx = (key: string) => ({ connectionId: "c1", intentAt: Date.now(), key });
const lead = (i: number, fields: Record<string, unknown> = {}) => ({
  object: "Lead",
  fields: { LastName: `Person ${i}`, Company: `Company ${i}`, ...fields },
});

async function settleAll(promises: Array<Promise<unknown>>) {
  return Promise.all(
    promises.map((p) =>
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
}

describe("coalescing creates into sObject Collections", () => {
  it("sends 450 concurrent creates in ceil(450/200) + 1 requests, each caller getting its own record", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup" });
    await rt.actions.create?.run(lead(0), cfg, ctx("warm")); // token, and the lone path
    const results = (await Promise.all(
      Array.from({ length: 450 }, (_, i) => rt.actions.create?.run(lead(i + 1), cfg, ctx(`k${i}`))),
    )) as Array<{ id: string; object: string; success: true }>;
    const byId = new Map(sf.records("Lead").map((r) => [r.Id, r]));
    expect(byId.size).toBe(451);
    results.forEach((result, i) => {
      expect(result).toEqual({
        id: expect.any(String),
        object: "Lead",
        success: true,
        url: expect.any(String),
      });
      expect(byId.get(result.id)?.LastName).toBe(`Person ${i + 1}`);
    });
    const calls = (sf.apiCalls.create ?? 0) - 1 + (sf.apiCalls["collection-create"] ?? 0);
    expect(calls).toBeLessThanOrEqual(Math.ceil(450 / 200) + 1);
  });

  it("gives a record's failure to its caller only, as the same error a single create gives", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup" });
    const single = await settleAll([rt.actions.create!.run(lead(0, { Company: null }), cfg, ctx("s"))]);
    const batch = await settleAll(
      Array.from({ length: 6 }, (_, i) =>
        rt.actions.create!.run(lead(i, i === 3 ? { Company: null } : {}), cfg, ctx(`k${i}`)),
      ),
    );
    expect(sf.apiCalls["collection-create"]).toBe(1);
    const failed = batch.filter((r) => "error" in r);
    expect(failed).toHaveLength(1);
    expect(batch[3]).toHaveProperty("error");
    const fromBatch = (batch[3] as { error: AppError }).error;
    const fromSingle = (single[0] as { error: AppError }).error;
    expect(fromBatch).toBeInstanceOf(AppError);
    expect(fromBatch.code).toBe("SALESFORCE_REQUIRED_FIELD_MISSING");
    expect(fromBatch.message).toBe(fromSingle.message);
    expect(fromBatch.details).toEqual(fromSingle.details);
    expect(sf.records("Lead")).toHaveLength(5);
  });

  it.each(["lookup", "externalId"] as const)(
    "a value one record's field type cannot take (the whole collection refused 400) fails that caller only (%s)",
    async (exactlyOnce) => {
      // Seven turns in progress, as the worker reports them: the seven creates leave as one
      // collection once all have arrived. Told by arrival gaps instead, a loaded machine spread
      // them into two requests (8 against the bound below).
      let turns = 1;
      const rt = await start({
        ternKeyField: exactlyOnce === "externalId",
        workerLoad: () => ({ turns, isBacklogged: turns > 1 }),
      });
      const cfg = config({ exactlyOnce, batchWindowMs: 1_000 });
      await rt.actions.create?.run(lead(0), cfg, ctx("warm"));
      turns = 7;
      const batch = await settleAll(
        Array.from({ length: 7 }, (_, i) =>
          rt.actions.create!.run(
            lead(i + 1, i === 4 ? { NumberOfEmployees: "about forty" } : {}),
            cfg,
            ctx(`k${i}`),
          ),
        ),
      );
      expect(batch.map((r) => ("error" in r ? (r.error as AppError).code : "ok"))).toEqual([
        "ok",
        "ok",
        "ok",
        "ok",
        expect.stringMatching(/^SALESFORCE_/),
        "ok",
        "ok",
      ]);
      expect((batch[4] as { error: AppError }).error.details).toMatchObject({
        errorCode: "JSON_PARSER_ERROR",
      });
      const names = sf.records("Lead").map((r) => r.LastName);
      expect(names).toHaveLength(7);
      expect(names).not.toContain("Person 5");
      // Halved down to the bad record, not sent one by one: 7 records cost at most 2·log2(8) + 1.
      const requests = (sf.apiCalls["collection-create"] ?? 0) + (sf.apiCalls["collection-upsert"] ?? 0);
      expect(requests).toBeGreaterThan(1);
      expect(requests + (sf.apiCalls.create ?? 0) - 1).toBeLessThanOrEqual(7);
    },
  );

  it("gives a failure of the whole request to every caller in it", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup" });
    await rt.actions.create?.run(lead(0), cfg, ctx("warm"));
    sf.setApiDisabled(true);
    const results = await settleAll(
      Array.from({ length: 5 }, (_, i) => rt.actions.create!.run(lead(i), cfg, ctx(`k${i}`))),
    );
    expect(results.map((r) => ("error" in r ? (r.error as AppError).code : "ok"))).toEqual(
      Array(5).fill("SALESFORCE_API_DISABLED"),
    );
  });

  it("sends a lone create at once, alone, however long the window", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup", batchWindowMs: 1_000 });
    await rt.actions.create?.run(lead(0), cfg, ctx("warm"));
    await new Promise((r) => setTimeout(r, 20));
    const startedAt = performance.now();
    await rt.actions.create?.run(lead(1), cfg, ctx("lone"));
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect(sf.apiCalls).toMatchObject({ create: 2 });
    expect(sf.apiCalls["collection-create"]).toBeUndefined();
  });

  it("lets what arrives while a request is in flight form the next batch", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup" });
    await rt.actions.create?.run(lead(0), cfg, ctx("warm"));
    await new Promise((r) => setTimeout(r, 20));
    sf.holdCreates();
    const lone = rt.actions.create!.run(lead(1), cfg, ctx("lone"));
    await sf.waitForCreate(1);
    const next = Array.from({ length: 3 }, (_, i) => rt.actions.create!.run(lead(i + 2), cfg, ctx(`k${i}`)));
    // The lone request is slow (held): after MAX_WAIT_MS the next batch goes without it.
    await sf.waitForCreate(4);
    sf.releaseCreates();
    await Promise.all([lone, ...next]);
    expect(sf.apiCalls).toMatchObject({ create: 2, "collection-create": 1 });
  });

  it("given the worker's load: holds a batch while it pays, sends it once nobody else can join", async () => {
    // Three conversation turns in progress and a backlog; each create below is one of the turns.
    let load = { turns: 3, isBacklogged: true };
    sf = await startSalesforceEmulator();
    const rt = salesforceConnector.create("c1", testDeps({ workerLoad: () => load }));
    const cfg = config({ exactlyOnce: "lookup", batchWindowMs: 1_000 });
    const settled: number[] = [];
    const calls = [1, 2].map((i) =>
      rt.actions.create!.run(lead(i), cfg, ctx(`k${i}`)).then((r) => {
        settled.push(i);
        return r;
      }),
    );
    // Far past any arrival gap: the third turn may still call, so they wait (up to the window).
    await new Promise((r) => setTimeout(r, 150));
    expect(settled).toEqual([]);
    expect(sf.records("Lead")).toHaveLength(0);
    const heldAt = performance.now();
    load = { turns: 2, isBacklogged: true }; // the third turn ended without a create
    await Promise.all(calls);
    // The window would have sent them about 850 ms from here.
    expect(performance.now() - heldAt).toBeLessThan(500);
    expect(sf.apiCalls).toMatchObject({ "collection-create": 1 });
    expect(sf.apiCalls.create).toBeUndefined();

    // No backlog (a steady stream the worker keeps up with): a create goes at once, however
    // many other turns are busy; what comes while it is in flight forms the next batch.
    load = { turns: 10, isBacklogged: false };
    const startedAt = performance.now();
    sf.holdCreates();
    const lone = rt.actions.create!.run(lead(3), cfg, ctx("k3"));
    await sf.waitForCreate(1);
    const next = [4, 5].map((i) => rt.actions.create!.run(lead(i), cfg, ctx(`k${i}`)));
    sf.releaseCreates();
    await Promise.all([lone, ...next]);
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect(sf.apiCalls).toMatchObject({ create: 1, "collection-create": 2 });
  });

  it("never batches with batchWindowMs 0", async () => {
    const rt = await start();
    const cfg = config({ exactlyOnce: "lookup", batchWindowMs: 0 });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => rt.actions.create?.run(lead(i), cfg, ctx(`k${i}`))),
    );
    expect(sf.apiCalls.create).toBe(5);
  });

  it("reconciles a record that was sent inside a batch whose answer was lost", async () => {
    const crashed = await start();
    const cfg = config({ exactlyOnce: "lookup" });
    await crashed.actions.create?.run(lead(0), cfg, ctx("warm"));
    sf.holdCreates();
    const inputs = [lead(1), lead(2), lead(3)];
    const lost = inputs.map((input, i) =>
      crashed.actions.create!.run(input, cfg, ctx(`k${i}`)).catch((e: unknown) => e),
    );
    await sf.waitForCreate(3);
    sf.releaseCreates({ drop: true });
    const errors = (await Promise.all(lost)) as AppError[];
    expect(errors.map((e) => e.details?.outcome)).toEqual(["unknown", "unknown", "unknown"]);
    // A fresh process finds each one by its values.
    const fresh = salesforceConnector.create("c1", testDeps());
    const found = await Promise.all(
      inputs.map((input, i) => fresh.actions.create?.reconcile?.(input, cfg, ctx(`k${i}`))),
    );
    const names = new Map(sf.records("Lead").map((r) => [r.Id, r.LastName]));
    expect(found.map((f) => names.get((f as { id: string }).id))).toEqual([
      "Person 1",
      "Person 2",
      "Person 3",
    ]);
    expect(sf.records("Lead")).toHaveLength(4);
  });
});

describe("exact mode: upsert by Tern_Key__c", () => {
  it("is chosen from describe, keys each record by its effect key, and a retry returns the same record", async () => {
    const rt = await start({ ternKeyField: true });
    const cfg = config(); // exactlyOnce "auto"
    const first = await Promise.all(
      Array.from({ length: 3 }, (_, i) => rt.actions.create?.run(lead(i), cfg, ctx(`run-1:${i}:0`))),
    );
    const again = (await rt.actions.create?.run(lead(1), cfg, ctx("run-1:1:0"))) as Record<string, unknown>;
    expect(again).toEqual({ ...(first[1] as object), reconciled: true });
    expect(sf.records("Lead").map((r) => r.Tern_Key__c)).toEqual(["run-1:0:0", "run-1:1:0", "run-1:2:0"]);
    expect(sf.apiCalls.create).toBeUndefined();
    expect(sf.apiCalls.describe).toBe(1);
    const found = await rt.actions.create?.reconcile?.(lead(2), cfg, ctx("run-1:2:0"));
    expect(found).toEqual({ ...(first[2] as object), reconciled: true });
    expect(await rt.actions.create?.reconcile?.(lead(9), cfg, ctx("never-sent"))).toBeNull();
  });

  it("a retry that races the attempt whose answer was lost (DUPLICATE_VALUE on the key) returns that record", async () => {
    const rt = await start({ ternKeyField: true });
    const cfg = config();
    await rt.actions.create?.run(lead(0), cfg, ctx("warm")); // token and describe
    // The first attempt committed; its answer never came. The retry's upsert loses the race on
    // the unique key, as concurrent upserts of one External ID value do on a real org.
    const first = sf.seedRecord("Lead", {
      LastName: "Person 1",
      Company: "Company 1",
      Tern_Key__c: "run-3:1:0",
    });
    sf.failNext(
      400,
      [
        {
          errorCode: "DUPLICATE_VALUE",
          message: `duplicate value found: Tern_Key__c duplicates value on record with id: ${first.Id}`,
          fields: [],
        },
      ],
      { on: "create" },
    );
    const again = await rt.actions.create?.run(lead(1), cfg, ctx("run-3:1:0"));
    expect(again).toMatchObject({ id: first.Id, object: "Lead", success: true, reconciled: true });
    expect(sf.records("Lead").filter((r) => r.Tern_Key__c === "run-3:1:0")).toHaveLength(1);

    // Another field's duplicate value is the step's error, as before.
    sf.failNext(
      400,
      [
        {
          errorCode: "DUPLICATE_VALUE",
          message: "duplicate value found: Email__c duplicates value",
          fields: [],
        },
      ],
      { on: "create" },
    );
    await expect(rt.actions.create?.run(lead(2), cfg, ctx("run-3:2:0"))).rejects.toMatchObject({
      details: { errorCode: "DUPLICATE_VALUE" },
    });
  });

  it("sends each record alone on an apiVersion before 46.0, which has no upsert collection (before 42.0, no collection)", async () => {
    const rt = await start({ ternKeyField: true });
    const keyed = await settleAll(
      Array.from({ length: 4 }, (_, i) =>
        rt.actions.create!.run(lead(i), config({ apiVersion: "45.0" }), ctx(`run-2:${i}:0`)),
      ),
    );
    expect(keyed.every((r) => "value" in r)).toBe(true);
    expect(sf.records("Lead").map((r) => r.Tern_Key__c)).toEqual([
      "run-2:0:0",
      "run-2:1:0",
      "run-2:2:0",
      "run-2:3:0",
    ]);
    expect(sf.apiCalls["collection-upsert"]).toBeUndefined();
    const again = await rt.actions.create!.run(lead(1), config({ apiVersion: "45.0" }), ctx("run-2:1:0"));
    expect(again).toEqual({ ...(keyed[1] as { value: object }).value, reconciled: true });

    const looked = await settleAll(
      Array.from({ length: 4 }, (_, i) =>
        rt.actions.create!.run(
          lead(10 + i),
          config({ apiVersion: "41.0", exactlyOnce: "lookup" }),
          ctx(`k${i}`),
        ),
      ),
    );
    expect(looked.every((r) => "value" in r)).toBe(true);
    expect(sf.records("Lead")).toHaveLength(8);
    expect(sf.apiCalls["collection-create"]).toBeUndefined();
  });

  it('says how to create the field when exactlyOnce is "externalId" and the object lacks it', async () => {
    const rt = await start();
    const error = await rt.actions
      .create!.run(lead(1), config({ exactlyOnce: "externalId" }), ctx("k"))
      .catch((e: unknown) => e as AppError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("SALESFORCE_FIELD_INVALID");
    expect((error as AppError).message).toContain("Text(255), External ID, Unique");
    expect(sf.records("Lead")).toHaveLength(0);
  });

  it("rejects settings that are not a mode or not a custom field name", () => {
    const base = { clientId: "a", clientSecret: "b", refreshToken: "c" };
    expect(SalesforceConfig.parse(base)).toMatchObject({
      exactlyOnce: "auto",
      externalIdField: "Tern_Key__c",
      batchWindowMs: DEFAULT_BATCH_WINDOW_MS,
    });
    expect(SalesforceConfig.safeParse({ ...base, exactlyOnce: "always" }).success).toBe(false);
    expect(SalesforceConfig.safeParse({ ...base, externalIdField: "Name" }).success).toBe(false);
    expect(SalesforceConfig.safeParse({ ...base, externalIdField: "X__c' OR" }).success).toBe(false);
    expect(SalesforceConfig.safeParse({ ...base, batchWindowMs: -1 }).success).toBe(false);
  });
});
