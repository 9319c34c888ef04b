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

/** POST /flows/:id/unpublish: the version that was published, and how many started runs go on. */
export interface UnpublishResult {
  id: string;
  previousVersion: number | null;
  activeRuns: number;
}

/** The API's error body: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** How this server accepts a sign-in (GET /session, not signed in: `error.details.methods`). */
export type SignInMethod = "token" | "password";
export type SessionState = { signedIn: true } | { signedIn: false; methods: SignInMethod[] };

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
  waitingFor: { stepId: string; timeoutAt: number | null; for: "reply" | "retry" | "handoff" } | null;
  /** `stepId`: the step it failed at. */
  error: { code: string; message: string; stepId?: string } | null;
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
  channelId?: string;
  /** ISO 8601 or ms: runs started at or after. */
  since?: string;
  /** ISO 8601 or ms: runs started before. */
  until?: string;
  cursor?: string;
  limit?: number;
}

/** GET /channel-types and /connection-types: what a form needs to add one. */
export interface IntegrationType {
  type: string;
  title: string;
  /** JSON Schema (2020-12) of the config, as accepted on input. */
  configSchema: Record<string, unknown>;
  /** Config keys that are write-only: password inputs, never shown again. */
  secretFields: string[];
  /** Setup guide, a path in the Tern repository. */
  docs?: string;
  /** Channels: Tern registers the webhook at the provider by API (Telegram, Viber). */
  registersWebhook?: boolean;
}

/** A connection or channel as the API shows it: secrets only as `"set"`. Times in ms. */
export interface Integration {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, "set">;
  owner: "user" | "sandbox";
  createdAt: number;
  updatedAt: number;
  /** Changes with every change; sent back quoted in `If-Match` so a change made since is not overwritten. */
  revision: string;
}

export interface ConnectionHealth {
  /** `auth_failed`: Salesforce refused the login for the connection's settings or the app's policy. */
  state: "ok" | "paused" | "reconnect_required" | "auth_failed";
  code: string | null;
  reason: string | null;
  pausedUntil: number | null;
  since: number | null;
}

export interface Connection extends Integration {
  /** OAuth connectors: the grant, whether Tern can get tokens, the callback URL for the app. */
  grant?: string;
  isConnected?: boolean;
  callbackUrl?: string;
  /** GET /connections/:id only. */
  health?: ConnectionHealth | null;
}

/** POST /connections/:id/test: who Tern is in the org, and the org's API usage. */
export interface ConnectionTest {
  ok: boolean;
  username?: string;
  displayName?: string;
  organizationId?: string;
  instanceUrl?: string;
  apiVersion?: string;
  latestApiVersion?: string;
  dailyApiRequests?: { used: number; max: number; source: string } | null;
  createable?: { Lead: boolean; Case: boolean } | null;
  [key: string]: unknown;
}

export interface SetupReport {
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
}

export interface Channel extends Integration {
  webhookUrl: string;
  /** POST /channels and PATCH: what registering the webhook at the provider did. */
  setup?: SetupReport;
}

export interface RejectedEvent {
  id: number;
  channelId: string;
  path: string;
  reason: string;
  detail: string;
  receivedAt: string;
}

/** GET /channels/:id/messages: a delivery in or out, without its text. */
export interface ChannelMessage {
  id: string;
  direction: "in" | "out";
  status: string;
  contactId: string;
  runId: string | null;
  createdAt: string;
}

/** GET /runs/:id/messages: the conversation while the run ran. */
export interface RunMessage {
  id: string;
  direction: "in" | "out";
  text: string;
  status: string;
  channelId: string;
  createdAt: string;
}

export interface ContactIdentity {
  id: string;
  channelId: string;
  address: string;
  createdAt: number;
  lastInboundAt: number | null;
}

export interface Contact {
  id: string;
  phone: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  identities: ContactIdentity[];
}

export interface ContactMessage {
  id: string;
  channelId: string;
  direction: "in" | "out";
  text: string;
  status: string;
  runId: string | null;
  createdAt: number;
}

export interface ContactDetail extends Contact {
  messages: ContactMessage[];
}

export interface ContactFilter {
  tag?: string;
  phone?: string;
  channelId?: string;
  limit?: number;
  /** The previous page's nextCursor: the next page starts after its last contact. */
  cursor?: string;
}

/** A page of GET /contacts, newest first. */
export interface ContactPage {
  items: Contact[];
  /** null: no more. */
  nextCursor: string | null;
}

/** A problem in a flow file (POST /flows/validate, a refused publish): JSONPath like `$.steps[2].fields`. */
export interface ValidationIssue {
  path: string;
  message: string;
  stepId?: string;
  field?: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** A step as written in the flow file: its fields depend on its type (GET /flows/schema). */
export type FlowStep = { id: string; type: string } & Record<string, unknown>;

export interface StepPosition {
  x: number;
  y: number;
}

/** The flow file as the editor edits it; fields it does not know are kept as they are. */
export interface FlowFile {
  schema: "tern.flow/v1";
  name: string;
  trigger: Record<string, unknown> & { type: string };
  start?: string;
  steps: FlowStep[];
  layout?: { steps: Record<string, StepPosition> };
  [key: string]: unknown;
}

/** A JSON Schema node as GET /flows/schema gives it (draft 2020-12, the parts the editor reads). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  $defs?: Record<string, JsonSchema>;
}

/** PUT /flows/:id and POST /flows answer with the stored version. */
export interface SavedFlow extends CreatedFlow {
  warnings: ValidationIssue[];
}

export interface ValueChange {
  path: string;
  change: "added" | "removed" | "changed";
  old?: unknown;
  new?: unknown;
}

/** GET /flows/:id/diff?from=&to= */
export interface FlowDiff {
  identical: boolean;
  steps: {
    added: Array<{ id: string; type: string; index: number }>;
    removed: Array<{ id: string; type: string; index: number }>;
    changed: Array<{ id: string; type: string; index: number; changes: ValueChange[] }>;
    moved: Array<{ id: string; fromIndex: number; toIndex: number }>;
  };
  trigger: ValueChange[];
  topLevel: ValueChange[];
}

export interface ConnectionSummary {
  id: string;
  name: string;
  type: string;
}

/** GET /connections/:id/objects (when the Salesforce describe routes exist). */
export interface SObjectSummary {
  name: string;
  label: string;
  createable: boolean;
}

export interface SObjectField {
  name: string;
  label: string;
  type: string;
  /** Createable, not nillable and not defaulted on create. */
  required: boolean;
  picklistValues?: string[];
}

export interface SObjectDescribe {
  name: string;
  label: string;
  fields: SObjectField[];
}
