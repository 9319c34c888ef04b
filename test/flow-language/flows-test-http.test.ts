import { describe, expect, it } from "vitest";
import { tempDir, testInProcess, writeFlow } from "../helpers/flow-test-run.js";

/**
 * `tern flows test` never reaches the network: an http step's requests and a handoff's notify are
 * answered from the case's "http", and a request the case does not answer fails naming it.
 */
/** A lookup step with `step`'s url (and connection), then a reply with its status, or with the error. */
const lookupSteps = (step: Record<string, string>, sorryText: string) => [
  {
    id: "lookup",
    type: "http",
    ...step,
    map: { orderStatus: "body.order.status" },
    next: "tell",
    onError: "sorry",
  },
  { id: "tell", type: "send", text: "Order status: {{ vars.orderStatus }}" },
  { id: "sorry", type: "send", text: sorryText },
];

describe("tern flows test (requests answered by the case)", () => {
  it("answers an http step's requests from the case's \"http\" (never the network); a request with no answer fails naming it", async () => {
    const dir = tempDir();
    const steps = lookupSteps(
      { url: "https://api.example.com/orders/{{ message.text | path_segment }}" },
      "Lookup failed: {{ steps.lookup.error.code }}",
    );
    writeFlow(
      dir,
      {
        trigger: { type: "message", channels: ["whatsapp"] },
        steps,
        tests: [
          {
            name: "shipped",
            http: [{ method: "GET", url: "/orders/A%207$", body: { order: { status: "shipped" } } }],
            script: [{ say: "A 7" }, { expect: "Order status: shipped" }],
            expect: { status: "completed", vars: { orderStatus: "shipped" } },
          },
          {
            name: "a 404 takes onError",
            http: [{ url: "/orders/", status: 404, body: "no such order" }],
            script: [{ say: "B1" }, { expect: "Lookup failed: HTTP_STATUS" }],
          },
          { name: "no answer given", script: [{ say: "C1" }, { expect: "Order status: shipped" }] },
        ],
      },
      "lookup.json",
    );
    const { code, out } = await testInProcess(["lookup.json"], dir);
    expect(out).toContain("✓ shipped");
    expect(out).toContain("✓ a 404 takes onError");
    expect(out).toContain("✗ no answer given");
    expect(out).toContain('actual:   "Lookup failed: NETWORK_ERROR"');
    expect(code).toBe(1);
  });

  it("a connection's step URL is a path under its baseUrl; one that would leave it fails as a run does", async () => {
    const dir = tempDir();
    const steps = lookupSteps(
      { connection: "orders_api", url: "{{ message.text }}" },
      "{{ steps.lookup.error.code }}",
    );
    const http = [{ url: ".", body: { order: { status: "shipped" } } }];
    const refused = (name: string, say: string) => ({
      name,
      http,
      script: [{ say }, { expect: "HTTP_REQUEST_INVALID" }],
    });
    writeFlow(
      dir,
      {
        trigger: { type: "message", channels: ["whatsapp"] },
        steps,
        tests: [
          { name: "a path", http, script: [{ say: "/orders/42" }, { expect: "Order status: shipped" }] },
          refused("protocol-relative", "//evil.example/orders/42"),
          refused("above the base", "/../admin"),
        ],
      },
      "paths.json",
    );
    const { code, out } = await testInProcess(["paths.json"], dir);
    expect(out).toContain("✓ a path");
    expect(out).toContain("✓ protocol-relative");
    expect(out).toContain("✓ above the base");
    expect(code, out).toBe(0);
  });

  it("answers a handoff's notify from the case's \"http\" too, so a flow with a handoff can be tested", async () => {
    const dir = tempDir();
    const handoff = {
      id: "human",
      type: "handoff",
      text: "A colleague will answer here.",
      case: { connection: "salesforce", fields: { Subject: "Help for {{ contact.name }}", Origin: "Web" } },
      notify: { url: "https://hooks.example.com/handoff" },
    };
    const script = [{ say: "help" }, { expect: "A colleague will answer here." }];
    writeFlow(
      dir,
      {
        trigger: { type: "message", channels: ["whatsapp"] },
        steps: [handoff],
        tests: [
          {
            name: "paused for a person",
            contact: { name: "Ada" },
            http: [{ method: "POST", url: "^https://hooks\\.example\\.com/handoff$" }],
            script,
            expect: { status: "waiting", records: { Case: [{ Subject: "Help for Ada" }] } },
          },
          {
            name: "the webhook fails",
            http: [{ url: "hooks", status: 500 }],
            script,
            expect: { status: "failed" },
          },
        ],
      },
      "handoff.json",
    );
    const { code, out } = await testInProcess(["handoff.json"], dir);
    expect(out).toContain("✓ paused for a person");
    expect(out).toContain("✓ the webhook fails");
    expect(code, out).toBe(0);
  });
});
