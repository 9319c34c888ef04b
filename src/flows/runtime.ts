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
  | {
      type: "reply";
      message: InboundMessage;
      inboxId: number;
      /** When Tern stored the message (its inbox row): a question takes only what came after it was asked. */
      receivedAt?: number;
    }
  | { type: "timeout" }
  /** A person released a run paused by a `handoff` step (`POST /api/v1/runs/:id/release`). */
  | { type: "release"; note?: string };

export const RUN_STATUSES = ["running", "waiting", "completed", "failed", "ended"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A waitpoint is data: what the run waits for and until when. */
export interface Waitpoint {
  stepId: string;
  visit: number;
  /**
   * `reply`: the step waits for the contact. `handoff`: a person has the conversation (a `handoff`
   * step or the AGENT keyword); only a release moves the run on. `retry`: the step's connection is paused (e.g. its
   * API allowance ran out); at `timeoutAt` the step is executed again with the same visit (same
   * effect keys), and the contact's messages wait until the run moves on.
   */
  for: "reply" | "retry" | "handoff";
  /** ms since epoch, or null for "wait forever". */
  timeoutAt: number | null;
  /** Step-private state kept across the wait (e.g. how many re-asks were sent). */
  state?: unknown;
  /**
   * The deadline is the maximum wait (`EngineOptions.maxWaitMs`), not the step's own: at
   * `timeoutAt` the run expires (ends with `endReason` WAIT_EXPIRED) instead of resuming the step.
   */
  expires?: boolean;
  /**
   * When the maximum wait counts from (ms): the wait's start, or the contact's last reply to it. A
   * reminder (a timeout that resumes the step) keeps it. Absent (older states): the resume's time.
   */
  since?: number;
  /**
   * Effects already keyed in this visit. A resume continues numbering from here, so a re-ask
   * sent after a reply gets a fresh key, and retrying the same reply reuses it. Absent = 0.
   */
  effectCount?: number;
  /**
   * A question's answers are messages stored from this time on (ms, when its send began): what
   * the contact wrote before it was asked answers nothing (the worker hands such a message over
   * alone, never joined into a burst with a real answer). Absent: every reply counts.
   */
  answersFrom?: number;
}

/** The last inbound message as flows see it (`message` in templates). */
export interface MessageView {
  id: string;
  type: InboundMessage["content"]["type"];
  text: string;
  /** Set when the customer tapped a button or list row (`index`: named by position, channel.ts). */
  choice?: { id: string; title: string; index?: number };
  timestamp: number;
}

/** Everything needed to continue a run after a crash. Serialized as JSON. */
export interface RunState {
  runId: string;
  flowId: string;
  flowVersion: number;
  /**
   * When that version was stored: with flowId and flowVersion it names the version even across a
   * delete and re-import of the id, so a process's parsed copy needs no check (PostgreSQL). Absent
   * in states written before it existed, and after a publish moved the run.
   */
  flowVersionCreatedAt?: number;
  status: RunStatus;
  /** The step being executed and its visit number (unique per entry into a step). */
  cursor: { stepId: string; visit: number } | null;
  /** Counter that numbers step visits; effect keys derive from it. */
  visits: number;
  vars: Record<string, unknown>;
  /** Outputs of finished steps, by step id (`steps.<id>` in templates). */
  steps: Record<string, unknown>;
  wait: Waitpoint | null;
  /**
   * Why the run failed. `visit` and `resumed` (whether the step failed while resuming a wait)
   * let a retry decide which of the failed visit's effects it reuses (`effectVisits`).
   */
  error: { code: string; message: string; stepId: string; visit?: number; resumed?: boolean } | null;
  /**
   * A retried step's new visit → the failed visit whose effect keys it reuses, so an effect that
   * happened before the failure (a message sent) is not repeated (`POST /runs/:id/retry`).
   */
  effectVisits?: Record<string, number>;
  /** Why a run was ended before its flow finished (expired wait, an operator); absent otherwise. */
  endReason?: EndReason | null;
  /**
   * Last inbound message of the run (`message` in templates). Kept in the state so that a
   * `continue` after a crash renders the same text. Optional for states written before it existed.
   */
  message?: MessageView | null;
  /**
   * Set while the AGENT keyword has handed the conversation to a person: the wait the run had
   * (restored on release). A `handoff` step needs none: its own wait is `for: "handoff"`.
   */
  handoff?: { since: number; via: "keyword"; wait: Waitpoint } | null;
  /**
   * Subflows the run is inside, outermost first (README.md, "Subflows"). Absent or empty: the run
   * executes its own flow (`flowId`/`flowVersion`); otherwise the last frame's flow.
   */
  frames?: SubflowFrame[];
}

/** Why a run ended early: `WAIT_EXPIRED` (waited longer than the maximum), `ENDED_BY_API`. */
export interface EndReason {
  code: string;
  message: string;
  /** The step the run was on. */
  stepId: string | null;
  at: number;
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
  /** `dropped`: the run was ended (expired, or by an operator) while waiting on this step. */
  status: "completed" | "failed" | "waiting" | "dropped";
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
  /** When the send began (its intent was written); a replay of the send gives the first time. */
  sentAt?: number;
  fallback?: { channelId: string; channelType: string; reason: string };
}

export interface Effects {
  send(key: string, message: OutboundMessageSpec): Promise<SendReceipt>;
  /** Runs a connector action on the named connection, e.g. ("salesforce", "create", {...}). */
  call(key: string, connection: string, action: string, input: Record<string, unknown>): Promise<unknown>;
  /**
   * An outbound HTTP request (the `http` step), guarded against private addresses, retried on
   * 429/5xx/network errors, sent with `Idempotency-Key: <key>`; the answer is recorded, so a
   * replay returns it instead of calling again. Absent: hosts that cannot make requests.
   */
  http?(key: string, request: HttpRequestSpec): Promise<HttpAnswer>;
}

/** A request as the `http` step renders it. Secrets never appear here: `connection` adds them. */
export interface HttpRequestSpec {
  method: string;
  /** Absolute, or relative to the connection's base URL. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** A stored connection whose credentials authenticate the request. */
  connection?: string;
  timeoutMs: number;
  /** Further attempts after the first, on network errors, timeouts, 429 and 5xx. */
  retries: number;
}

/** The far side's answer, whatever its status (the step decides what a status means). */
export interface HttpAnswer {
  status: number;
  /** Lowercase header names. */
  headers: Record<string, string>;
  /** The body as text (the step parses JSON). */
  body: string;
  /** The URL that answered, after redirects. */
  url: string;
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
  /**
   * Durably stores the state after a step; the engine awaits it before the next step. `state` is
   * the engine's own object, changed by the steps that follow: a host that writes it later
   * snapshots it before returning (run-host.ts serializes it, the fake host clones it).
   */
  persist(state: RunState, record: StepRecord): Promise<void>;
  /**
   * Whether an error a step threw is the machinery's (the storage unavailable), not the step's:
   * the engine lets it through instead of recording it against the step, so the whole turn is
   * tried again later (effects are keyed: nothing is done twice). Absent: every error is the step's.
   */
  isOutage?(error: unknown): boolean;
}

export type StepErrorLike = AppError;
