import { describe, expect, it } from "vitest";
import { rejection } from "./actions/test-runtime.js";
import { createSession } from "./auth/session.js";
import { createSalesforceClient } from "./client.js";
import { useConnectorFixture } from "./connector-fixture.js";
import { testDeps } from "./test-helpers.js";

/**
 * A create whose answer was lost or unreadable: found again by reconciliation, never made twice
 * (queue/README.md, "Exactly-once effects").
 */
const { env, config, ctx, runtime, lead } = useConnectorFixture();

describe("create reconciliation", () => {
  it("finds the record a create committed before its answer was lost", async () => {
    const intentAt = Date.now();
    const { rt: crashed } = runtime();
    env.sf.holdCreates();
    const input = {
      object: "Lead",
      fields: {
        LastName: "O'Hara \\ ' OR Name != '",
        Company: " Tara ",
        Email: null,
        Description: "long transcript\n".repeat(50),
        LeadSource: "WhatsApp",
      },
    };
    void crashed.actions.create?.run(input, config(), ctx({ intentAt })).catch(() => undefined);
    const committed = await env.sf.waitForCreate();
    env.sf.seedRecord("Lead", { LastName: "O'Hara", Company: "Tara", LeadSource: "WhatsApp" });
    // A fresh process (new runtime, empty cache) reconciles instead of creating again.
    const { rt } = runtime();
    const found = await rt.actions.create?.reconcile?.(input, config(), ctx({ intentAt }));
    expect(found).toEqual({
      id: committed.Id,
      object: "Lead",
      success: true,
      reconciled: true,
      url: `${env.sf.instanceUrl}/${committed.Id}`,
    });
    env.sf.releaseCreates({ drop: true });
  });

  it("returns null when the earlier attempt never reached Salesforce", async () => {
    const now = Date.now();
    env.sf.seedRecord("Lead", { LastName: "Old", Company: "Co" }, { createdAt: now - 6 * 60_000 });
    const { rt } = runtime();
    const found = await rt.actions.create?.reconcile?.(
      { object: "Lead", fields: { LastName: "Old", Company: "Co" } },
      config(),
      ctx({ intentAt: now }),
    );
    expect(found).toBeNull();
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("still reconciles when describe fails, skipping long text by name", async () => {
    const { rt } = runtime();
    const created = (await rt.actions.create?.run(
      { object: "Lead", fields: { LastName: "Fallback", Company: "Co", Description: "x" } },
      config(),
      ctx(),
    )) as { id: string };
    env.sf.failNext(500, [{ errorCode: "UNKNOWN_EXCEPTION", message: "boom" }], { on: "describe" });
    // Another process (its own describe cache) reconciles: the run above cached the describe here.
    const { rt: other } = runtime();
    const found = await other.actions.create?.reconcile?.(
      { object: "Lead", fields: { LastName: "Fallback", Company: "Co", Description: "x" } },
      config(),
      ctx(),
    );
    expect(found).toMatchObject({ id: created.id, reconciled: true });
  });
});

describe("a write answered 2xx with a body Tern cannot read", () => {
  /** Forwards to the emulator (the write commits) and replaces the answer of matching writes. */
  const garbling = (isWrite: (url: string, method: string) => boolean, body: string) =>
    testDeps({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!isWrite(String(input), init?.method ?? "GET")) return response;
        await response.text();
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });

  it.each([
    ["an empty body", ""],
    ["a proxy's HTML page", "<html><body>Gateway</body></html>"],
    ["JSON without an id", '{"success":true}'],
  ])(
    "a lone create answered 201 with %s has an unknown outcome, and reconcile finds the record",
    async (_, body) => {
      const deps = garbling((url, method) => method === "POST" && url.endsWith("/sobjects/Lead/"), body);
      const { rt } = runtime(deps);
      const error = await rejection(rt.actions.create!.run(lead(), config(), ctx()));
      // Salesforce saved the record (201): retrying without a lookup would make a second one.
      expect(error.details?.outcome).toBe("unknown");
      expect(env.sf.records("Lead")).toHaveLength(1);
      const found = await rt.actions.create!.reconcile!(lead(), config(), ctx());
      expect(found).toMatchObject({ id: env.sf.records("Lead")[0]?.Id, reconciled: true });
    },
  );

  it("a collection create answered 200 with an unreadable body has an unknown outcome", async () => {
    const deps = garbling((url, method) => method === "POST" && url.endsWith("/composite/sobjects"), "");
    const client = createSalesforceClient(createSession("c1", deps), config());
    const error = await rejection(client.createMany([lead(1), lead(2)]));
    expect(error.details?.outcome).toBe("unknown");
    expect(env.sf.records("Lead")).toHaveLength(2);
  });
});
