import type { z } from "zod";
import type { InboundMessage } from "../channels/channel.js";
import type { Installation } from "./installation-check.js";
import type {
  ContactUpdate,
  ContactView,
  HttpAnswer,
  HttpRequestSpec,
  MessageView,
  OutboundMessageSpec,
  SendReceipt,
} from "./runtime.js";
import type { TemplateScope } from "./template.js";

/**
 * A step type is a declarative object: a zod schema of the whole step as written in the flow
 * file, and `start`/`resume` functions that return what happens next. A step never sleeps:
 * waiting is a `wait` result (a waitpoint), and the engine calls `resume` when a reply or
 * a timeout arrives, possibly in another process.
 */

/** Side effects available to a step. Keys are assigned by the engine (`runId:visit:n`). */
export interface StepEffects {
  send(message: OutboundMessageSpec): Promise<SendReceipt>;
  call(connection: string, action: string, input: Record<string, unknown>): Promise<unknown>;
  /** An outbound HTTP request, exactly once where its answer was recorded (runtime.ts `Effects.http`). */
  http(request: HttpRequestSpec): Promise<HttpAnswer>;
}

export interface StepContext<Config> {
  /** The step as written in the flow (parsed, defaults applied, not rendered). */
  readonly config: Config;
  readonly runId: string;
  /** The run's flow ("" for runs made without one, e.g. in unit tests). */
  readonly flowId: string;
  readonly visit: number;
  readonly contact: ContactView;
  readonly scope: TemplateScope;
  /** Step-private state returned with the last `wait` result (undefined in `start`). */
  readonly waitState: unknown;
  readonly effects: StepEffects;
  now(): number;
  /** Renders a Liquid template against `scope`; throws AppError TEMPLATE_ERROR. */
  render(template: string): string;
  /** Renders every string inside a JSON value. */
  renderValue(value: unknown): unknown;
  /** Changes the run's contact (tags, attributes); `contact` shows the result afterwards. */
  updateContact(change: ContactUpdate): Promise<void>;
}

export type ResumeEvent =
  | { type: "reply"; message: MessageView; raw: InboundMessage; receivedAt?: number }
  | { type: "timeout" };

/** A person released a run that waits `for: "handoff"` (a `handoff` step's `release`). */
export interface ReleaseEvent {
  type: "release";
  note?: string;
}

/** What a step asks the engine to do next. `input` is the rendered config shown in run history. */
export type StepResult =
  | {
      kind: "next";
      /** Next step id; null completes the run. */
      next: string | null;
      output?: unknown;
      /** Variables to set (merged into `vars`). */
      vars?: Record<string, unknown>;
      input?: unknown;
    }
  | {
      kind: "wait";
      /** ms since epoch, or null to wait forever. */
      timeoutAt: number | null;
      /** What wakes it: the contact's reply (default), or a release by a person (`handoff`). */
      for?: "reply" | "handoff";
      /** Replies stored before this time answer nothing (runtime.ts `Waitpoint.answersFrom`). */
      answersFrom?: number;
      state?: unknown;
      input?: unknown;
      output?: unknown;
    }
  | { kind: "end"; status: "completed" | "ended"; output?: unknown; input?: unknown }
  | {
      /** Runs another flow's published version in this run (the `subflow` step), then continues. */
      kind: "subflow";
      flowId: string;
      /** The child's starting vars. */
      vars: Record<string, unknown>;
      input?: unknown;
    };

/** An edge of the flow graph declared by a step beyond the common transition fields. */
export interface StepExit {
  /** Path inside the step object, e.g. ["conditions", 0, "next"]. */
  path: Array<string | number>;
  target: string;
}

/**
 * What a design-time check may ask: facts about a named connection, answered by that connection's
 * runtime (e.g. "describe" an object), preferably from its caches. The flow core never imports a
 * connector; the server passes this in. Throws when the connection cannot answer (not found, not
 * connected, unreachable): the validator then reports a warning that the step was not checked.
 */
export interface DesignEnv {
  fact(connection: string, name: string, input: Record<string, unknown>): Promise<unknown>;
  /**
   * What the installation has (channels, connections, flows), so a flow naming something that
   * does not exist is an error at publish (installation-check.ts). Absent offline: not checked.
   */
  installation?(): Promise<Installation>;
  /**
   * Offline (no installation to ask): the channel types this build supports, so a trigger naming
   * one that does not exist (`"whatsap"`) is still an error, as the server would say at publish.
   */
  knownChannelTypes?: ReadonlyArray<string>;
}

/** A problem a design-time check found, with a path relative to the step object. */
export interface DesignIssue {
  level: "error" | "warning";
  /** Inside the step, e.g. ["fields", "Company"]; [] for the step itself. */
  path: Array<string | number>;
  message: string;
  /** The external field the problem is about (e.g. a Salesforce field API name). */
  field?: string;
}

type StepConfigSchema = z.ZodObject<{ id: z.ZodType<string>; type: z.ZodLiteral<string> }>;

export interface StepDefinition<Schema extends StepConfigSchema = StepConfigSchema> {
  /** Persisted identifier, e.g. "send" or "salesforce.create". Never changes. */
  type: string;
  title: string;
  /** Behaviour version; saved flows keep the behaviour they were built with. */
  version?: number;
  /** Schema of the whole step object, `type` included. */
  config: Schema;
  /** Extra graph edges (branch targets). next/onError/onTimeout/onInvalid are found generically. */
  exits?(config: z.output<Schema>): StepExit[];
  /**
   * Design-time check against the outside world (validate and publish): e.g. a Salesforce
   * mapping against the org's describe. Runs only on a structurally valid flow.
   */
  check?(config: z.output<Schema>, env: DesignEnv): Promise<DesignIssue[]>;
  start(ctx: StepContext<z.output<Schema>>): Promise<StepResult> | StepResult;
  resume?(ctx: StepContext<z.output<Schema>>, event: ResumeEvent): Promise<StepResult> | StepResult;
  /** A step that waits `for: "handoff"`: what happens when a person releases the run. */
  release?(ctx: StepContext<z.output<Schema>>, event: ReleaseEvent): Promise<StepResult> | StepResult;
}

export function defineStep<Schema extends StepConfigSchema>(
  spec: StepDefinition<Schema>,
): StepDefinition<Schema> {
  return spec;
}
