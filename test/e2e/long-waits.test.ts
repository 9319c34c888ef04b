import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/** The WhatsApp lead template with each question waiting `timeout` for its answer. */
const leadWaiting = (timeout: string) =>
  JSON.parse(
    readFileSync(templatePath("whatsapp-lead.json"), "utf8").replaceAll('"PT24H"', `"${timeout}"`),
  ) as {
    name: string;
    steps: Array<Record<string, unknown>>;
  };

type Issue = { path: string; message: string; stepId?: string };

/** A wait past TERN_MAX_WAIT is ended there: said at validate, import and publish, not 30 days later. */
describe("waits longer than TERN_MAX_WAIT", () => {
  let stack: Stack;
  afterEach(async () => {
    await stack.close();
  });

  const post = async (path: string, body: unknown) => {
    const res = await stack.http("POST", `/api/v1${path}`, body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("warns of an ask's timeout and a wait's duration past the maximum, on validate, import and publish", async () => {
    stack = await startStack({ env: { TERN_MAX_WAIT: "P30D" } });
    const flow = leadWaiting("P60D");
    flow.name = "long waits";
    flow.steps.splice(1, 0, { id: "pause", type: "wait", duration: "P31D", next: "ask_company" });
    (flow.steps[0] as { next: string }).next = "pause";
    const validated = await post("/flows/validate", flow);
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(true);
    const long = (validated.body.warnings as Issue[]).filter((w) => w.message.includes("TERN_MAX_WAIT"));
    expect(long.map((w) => [w.path, w.stepId])).toEqual([
      ["$.steps[0].timeout", "ask_name"],
      ["$.steps[1].duration", "pause"],
      ["$.steps[2].timeout", "ask_company"],
    ]);
    expect(long[0]?.message).toMatch(
      /waits P60D, longer than this server's maximum wait \(TERN_MAX_WAIT, 30 days\)/,
    );

    const imported = await post("/flows", flow);
    expect(imported.status).toBe(201);
    expect(
      (imported.body.warnings as Issue[]).filter((w) => w.message.includes("TERN_MAX_WAIT")),
    ).toHaveLength(3);
    const published = await post(`/flows/${imported.body.id}/publish`, { version: imported.body.version });
    expect(published.status).toBe(200);
    expect(
      (published.body.warnings as Issue[]).filter((w) => w.message.includes("TERN_MAX_WAIT")),
    ).toHaveLength(3);

    // Within the maximum: nothing said.
    const short = await post("/flows/validate", leadWaiting("P29D"));
    expect((short.body.warnings as Issue[]).filter((w) => w.message.includes("TERN_MAX_WAIT"))).toEqual([]);
  });
});
