import { readFileSync } from "node:fs";
// Test fixtures run real templates, which use connector steps: the composed registry.
import { stepRegistry } from "../../steps.js";
import { createEngine } from "../engine.js";
import type { RunState } from "../runtime.js";
import type { Flow } from "../schema.js";
import { validateFlow } from "../validate.js";
import type { FakeHost } from "./fake-host.js";

/** Shared by the engine tests: flows from files or step lists, and events driven through a fake host. */
export const HOUR = 3_600_000;

export function loadTemplate(): Flow {
  const raw = JSON.parse(
    readFileSync(new URL("../../../templates/whatsapp-lead.json", import.meta.url), "utf8"),
  );
  return parse(raw);
}

export function parse(raw: unknown): Flow {
  const result = validateFlow(raw, { steps: stepRegistry });
  if (!result.flow) throw new Error(JSON.stringify(result.errors));
  return result.flow;
}

export function flowOf(steps: unknown[], extra: Record<string, unknown> = {}): Flow {
  return parse({
    schema: "tern.flow/v1",
    name: "t",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps,
    ...extra,
  });
}

export const engine = createEngine({ steps: stepRegistry });

export async function startRun(flow: Flow, host: FakeHost, runId = "run_1"): Promise<RunState> {
  return engine.advance(
    flow,
    engine.newRun(runId, flow, 1, "flow_1"),
    { type: "start", message: host.inbound("hi") },
    host,
  );
}

export async function reply(
  flow: Flow,
  state: RunState,
  host: FakeHost,
  text: string,
  inboxId = 1,
): Promise<RunState> {
  return engine.advance(flow, state, { type: "reply", message: host.inbound(text), inboxId }, host);
}
