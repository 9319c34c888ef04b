import type { Clock } from "../core/clock.js";
import type { Metrics } from "../core/metrics.js";
import type { Engine } from "../flows/engine.js";
import type { Flow } from "../flows/schema.js";
import type { Integrations } from "../services/integrations.js";
import type { ContactOnChannel } from "../store/repos/contact-repo.js";
import type { Store } from "../store/store.js";
import type { EffectsDeps } from "./effects.js";

/** What the worker (worker.ts) is built from: the store, the engine, and its settings. */
export interface WorkerDeps extends Omit<EffectsDeps, "store" | "clock" | "connector"> {
  store: Store;
  integrations: Integrations;
  clock: Clock;
  engine: Engine;
  /** Conversations processed at once (default 64). */
  concurrency?: number;
  /** Counts dead-lettered messages in `/metrics` (a private registry when absent). */
  metrics?: Metrics;
  /**
   * Burst grouping: a run waiting for a reply takes the messages its contact sends within this
   * window of each other as one answer (burst.ts). 0 (the default here; TERN_BURST_WINDOW_MS in
   * a server) takes every message at once.
   */
  burstWindowMs?: number;
  /**
   * TERN_MAX_WAIT: the engine caps every new wait with it (`EngineOptions.maxWaitMs`); here it ends
   * a run stored before that, waiting without a deadline for longer, when its contact writes again.
   */
  maxWaitMs?: number;
  /** Delay before the n-th retry of a message whose processing failed transiently. */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Who schedules the work. "lanes" (SQLite, one process): in-process lanes and a timer read from
   * the rows. "jobs" (PostgreSQL, any number of processes): graphile-worker jobs enqueued in the
   * transactions that create the work (`store.jobs`), run by `jobTasks()` (queue/jobs/).
   */
  scheduling?: "lanes" | "jobs";
  /** Parsed, validated flow definition of a stored version (cached by the caller). */
  flow(flowId: string, version: number, createdAt?: number): Promise<Flow>;
  log: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
}

/** What a caller of `advance` knows already, so it is not read again. */
export interface AdvanceOptions {
  /** Inbox rows the event consumes: the run's first persist marks them processed. */
  inboxIds?: readonly number[];
  /** The conversation's contact, as a write of this turn read it. */
  contact?: ContactOnChannel;
  signal?: AbortSignal;
  /** A message of the conversation that arrived but is not the event (it fired an overdue deadline). */
  arrivedAt?: number;
  /** The run's flow version, parsed, when the caller loaded it for this run (the router). */
  flow?: Flow;
}
