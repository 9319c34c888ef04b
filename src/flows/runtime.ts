import type { InboundMessage } from "../channels/channel.js";
import type { AppError } from "../core/app-error.js";
import type { Flow } from "./schema.js";

/**
 * The contract between the engine (pure, in `flows/`) and the worker that hosts it
 * (storage, queue, channels, connectors). The engine knows nothing about HTTP or SQL:
 * every side effect goes through `Effects`, every state change through `persist`.
 */

/** What wakes a run. `inboxId` identifies the stored inbound message that caused it. */
export type RunEvent =
  | { type: "start"; message?: InboundMessage; inboxId?: number }
  | { type: "continue" }
  | { type: "reply"; message: InboundMessage; inboxId: number }
  | { type: "timeout" };

export type RunStatus = "running" | "waiting" | "completed" | "failed" | "ended";

/** A waitpoint is data: what the run waits for and until when. */
export interface Waitpoint {
  stepId: string;
  visit: number;
  /**
   * `reply`: the step waits for the contact. `retry`: the step's connection is paused (e.g. its
   * API allowance ran out); at `timeoutAt` the step is executed again with the same visit (same
   * effect keys), and the contact's messages wait until the run moves on.
   */
  for: "reply" | "retry";
  /** ms since epoch, or null for "wait forever". */
  timeoutAt: number | null;
  /** Step-private state kept across the wait (e.g. how many re-asks were sent). */
  state?: unknown;
  /**
   * Effects already keyed in this visit. A resume continues numbering from here, so a re-ask
   * sent after a reply gets a fresh key, and retrying the same reply reuses it. Absent = 0.
   */
  effectCount?: number;
}

/** The last inbound message as flows see it (`message` in templates). */
export interface MessageView {
  id: string;
  type: InboundMessage["content"]["type"];
  text: string;
  /** Set when the customer tapped a button or list row. */
  choice?: { id: string; title: string };
  timestamp: number;
}

/** Everything needed to continue a run after a crash. Serialized as JSON. */
export interface RunState {
  runId: string;
  flowId: string;
  flowVersion: number;
  status: RunStatus;
  /** The step being executed and its visit number (unique per entry into a step). */
  cursor: { stepId: string; visit: number } | null;
  /** Counter that numbers step visits; effect keys derive from it. */
  visits: number;
  vars: Record<string, unknown>;
  /** Outputs of finished steps, by step id (`steps.<id>` in templates). */
  steps: Record<string, unknown>;
  wait: Waitpoint | null;
  error: { code: string; message: string; stepId: string } | null;
  /**
   * Last inbound message of the run (`message` in templates). Kept in the state so that a
   * `continue` after a crash renders the same text. Optional for states written before it existed.
   */
  message?: MessageView | null;
  /**
   * Subflows the run is inside, outermost first (README.md, "Subflows"). Absent or empty: the run
   * executes its own flow (`flowId`/`flowVersion`); otherwise the last frame's flow.
   */
  frames?: SubflowFrame[];
}

/** A child flow the run executes for a `subflow` step, and what to restore when it completes. */
export interface SubflowFrame {
  /** The child flow and its version, pinned when the subflow started. */
  flowId: string;
  flowVersion: number;
  /** The `subflow` step in the caller and its visit (recorded again when the child completes). */
  callerStepId: string;
  callerVisit: number;
  /** The caller's variables and step outputs, restored when the child returns. */
  callerVars: Record<string, unknown>;
  callerSteps: Record<string, unknown>;
  /** The subflow step's rendered input, shown again in its history record when the child returns. */
  input: unknown;
}

/** One executed step, as shown in run history. */
export interface StepRecord {
  runId: string;
  visit: number;
  stepId: string;
  stepType: string;
  status: "completed" | "failed" | "waiting";
  input: unknown;
  output: unknown;
  error: { code: string; message: string } | null;
  /** Transition taken: next step id, or null when the run ends/waits. */
  next: string | null;
  startedAt: number;
  endedAt: number;
}

export interface ContactView {
  id: string;
  channel: string;
  /** Channel-specific address (WhatsApp wa_id). */
  address: string;
  phone: string | null;
  name: string | null;
  /** The person's tags, across all their channels (`contact.tags`). */
  tags?: string[];
  /** The person's attributes (`contact.attributes.x`). */
  attributes?: Record<string, unknown>;
}

/** A change a step makes to the run's contact (`contact.tag`, `contact.set`); idempotent. */
export interface ContactUpdate {
  addTags?: string[];
  removeTags?: string[];
  /** Attribute name → value; null deletes the attribute. */
  attributes?: Record<string, unknown>;
}

/**
 * Side effects, each idempotent by `key`. Executing the same key twice (after a crash or a
 * retry) returns the first result without repeating the effect.
 */
/** A message a step sends, with where it falls back to when its channel cannot deliver it. */
export interface OutboundMessageSpec {
  text: string;
  choices?: Array<{ id: string; title: string }>;
  fallback?: { channel: string; onFailedStatusWithinMs: number };
}

/** What a send returns; `fallback` when the message went through the fallback channel instead. */
export interface SendReceipt {
  providerMessageId: string;
  fallback?: { channelId: string; channelType: string; reason: string };
}

export interface Effects {
  send(key: string, message: OutboundMessageSpec): Promise<SendReceipt>;
  /** Runs a connector action on the named connection, e.g. ("salesforce", "create", {...}). */
  call(key: string, connection: string, action: string, input: Record<string, unknown>): Promise<unknown>;
}

export interface EngineHost {
  effects: Effects;
  contact: ContactView;
  /**
   * Stores a change to the contact with the run's writes and updates `contact` in place. Setting
   * is idempotent, so a step replayed after a crash may apply it again. Absent: hosts without
   * a contact store (the step fails with a clear error).
   */
  updateContact?(change: ContactUpdate): Promise<void>;
  /**
   * Current transcript of the conversation ("Customer: hi\nBot: Hello"). Read from storage, so
   * asynchronous: the engine fetches it before a step whose config mentions `conversation`.
   */
  transcript(): Promise<string>;
  now(): number;
  /**
   * A flow for a `subflow` step: the given version, or the published one when absent (the engine
   * pins it in the run state). Throws AppError FLOW_NOT_FOUND when there is none. Absent: hosts
   * that cannot run subflows (the step fails with a clear error).
   */
  loadFlow?(flowId: string, version?: number): Promise<{ flow: Flow; version: number }>;
  /** Durably stores the state after a step; the engine awaits it before the next step. */
  persist(state: RunState, record: StepRecord): Promise<void>;
}

export type StepErrorLike = AppError;
