/** Shapes of the admin API answers the UI reads (see the OpenAPI document at /api/docs). */

export interface FlowSummary {
  id: string;
  name: string;
  latestVersion: number;
  publishedVersion: number | null;
  createdAt: number;
  updatedAt: number;
  /** When its latest run started (ms since epoch); null when it never ran. */
  lastRunAt?: number | null;
}

export interface FlowVersion {
  flowId: string;
  version: number;
  /** ms since epoch */
  createdAt: number;
  /** When it was last published (a rollback publishes an older one again); ms since epoch. */
  publishedAt: number | null;
  isPublished: boolean;
  isLatest: boolean;
}

export interface FlowTemplate {
  id: string;
  name: string;
  description: string;
  definition: unknown;
}

export interface CreatedFlow {
  id: string;
  version: number;
  name: string;
}

export interface PublishResult {
  id: string;
  publishedVersion: number;
  previousVersion: number | null;
}

/** The API's error body: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export type RunStatus = "running" | "waiting" | "completed" | "failed" | "ended";
export const RUN_STATUSES: readonly RunStatus[] = ["running", "waiting", "completed", "failed", "ended"];

/** A run in GET /runs (and the answer of end and retry). Times are ISO-8601 strings. */
export interface RunSummary {
  id: string;
  flowId: string;
  flowVersion: number;
  channelId: string;
  contactId: string;
  status: RunStatus;
  currentStep: string | null;
  waitingFor: { stepId: string; timeoutAt: number | null } | null;
  error: { code: string; message: string } | null;
  endReason: { code: string; message: string; stepId?: string | null; at?: number } | null;
  createdAt: string;
  updatedAt: string;
}

export interface RunPage {
  items: RunSummary[];
  nextCursor: string | null;
}

/** One visit of a step in a run's history. */
export interface RunStep {
  visit: number;
  stepId: string;
  type: string;
  status: string;
  input: unknown;
  output: unknown;
  error: { code?: string; message?: string } | null;
  next: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

/** GET /runs/:id: the run with its variables and every step's history, in order. */
export interface RunDetail extends RunSummary {
  vars: Record<string, unknown>;
  steps: RunStep[];
}

export interface RunFilter {
  flowId?: string;
  status?: RunStatus;
  contactId?: string;
  cursor?: string;
  limit?: number;
}
