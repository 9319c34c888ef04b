import type { InboundMessage } from "../channels/channel.js";
import { AppError } from "../core/app-error.js";
import type { EngineHost, MessageView, RunState } from "./runtime.js";
import type { StepContext } from "./step.js";
import { shownRequest } from "./steps/http-response.js";
import { RENDER_NOW, renderTemplate, renderValue, type TemplateScope } from "./template.js";

/** Builds what a step sees during one visit, and numbers its effects. */

export function createStepContext<Config>(
  state: RunState,
  host: EngineHost,
  visit: {
    config: Config;
    visit: number;
    waitState: unknown;
    effectsBefore: number;
    /** The conversation's transcript, fetched before the step when it mentions it ("" otherwise). */
    transcript: () => string;
  },
): { ctx: StepContext<Config>; effectCount(): number; lastEffectInput(): unknown } {
  let n = visit.effectsBefore;
  // What the step last handed an effect, rendered: a step that fails there is recorded with it
  // (the values sent to Salesforce, the message, the request), not with its templates.
  let lastInput: unknown;
  // Keys are deterministic per run, visit and position, so re-executing a visit after a crash
  // (or re-delivering the same reply) reuses them and the host returns the first result.
  // A retried visit keys its effects as the failed visit did (RunState.effectVisits).
  const keyVisit = state.effectVisits?.[String(visit.visit)] ?? visit.visit;
  const nextKey = () => `${state.runId}:${keyVisit}:${n++}`;
  const scope = buildScope(state, host, visit.transcript);
  const ctx: StepContext<Config> = {
    config: visit.config,
    runId: state.runId,
    flowId: state.flowId,
    visit: visit.visit,
    contact: host.contact,
    scope,
    waitState: visit.waitState,
    now: () => host.now(),
    render: (template) => renderTemplate(template, scope),
    renderValue: (value) => renderValue(value, scope),
    updateContact: async (change) => {
      if (!host.updateContact) {
        throw new AppError("INTERNAL", "this run has no contact store to change the contact in");
      }
      await host.updateContact(change);
    },
    effects: {
      send: (message) => {
        lastInput = message;
        return host.effects.send(nextKey(), message);
      },
      call: (connection, action, input) => {
        lastInput = { connection, ...input };
        return host.effects.call(nextKey(), connection, action, input);
      },
      http: (request) => {
        if (!host.effects.http) throw new AppError("INTERNAL", "this run's host cannot make HTTP requests");
        lastInput = shownRequest(request);
        return host.effects.http(nextKey(), request);
      },
    },
  };
  return { ctx, effectCount: () => n, lastEffectInput: () => lastInput };
}

/** The template scope. `vars` and `steps` are live views of the state being advanced. */
export function buildScope(state: RunState, host: EngineHost, transcript: () => string): TemplateScope {
  return {
    vars: state.vars,
    contact: host.contact,
    message: state.message ?? null,
    steps: state.steps,
    conversation: {
      get transcript() {
        return transcript();
      },
    },
    run: { id: state.runId },
    get [RENDER_NOW]() {
      return host.now();
    },
  };
}

export function toMessageView(message: InboundMessage): MessageView {
  const { content } = message;
  const view: MessageView = {
    id: message.providerMessageId,
    type: content.type,
    text: content.text,
    timestamp: message.timestamp,
  };
  if (content.type === "choice") {
    view.choice = { id: content.id, title: content.title };
    if (content.index !== undefined) view.choice.index = content.index;
  }
  return view;
}
