import type {
  ApiErrorBody,
  Channel,
  ChannelMessage,
  Connection,
  ConnectionTest,
  Contact,
  ContactDetail,
  ContactFilter,
  CreatedFlow,
  FlowDiff,
  FlowSummary,
  FlowTemplate,
  FlowVersion,
  IntegrationType,
  JsonSchema,
  LinkedRecord,
  PublishResult,
  RejectedEvent,
  RunDetail,
  RunFilter,
  RunMessage,
  RunPage,
  RunSummary,
  SavedFlow,
  SessionState,
  SignInMethod,
  SObjectDescribe,
  SObjectSummary,
  ValidationResult,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error body's `details` (a refused publish lists its `errors` and `warnings` there). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const BASE = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The double-submit CSRF token: the readable cookie `tern_csrf`, echoed in `x-tern-csrf`. */
function csrfToken(): string | undefined {
  const match = document.cookie.split("; ").find((c) => c.startsWith("tern_csrf="));
  return match ? decodeURIComponent(match.slice("tern_csrf=".length)) : undefined;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const csrf = UNSAFE.has(method) ? csrfToken() : undefined;
  if (csrf) headers["x-tern-csrf"] = csrf;
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function toError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as ApiErrorBody;
  const message = body.error?.message ?? `${res.status} ${res.statusText}`;
  return new ApiError(res.status, body.error?.code ?? "HTTP_ERROR", message, body.error?.details);
}

/** Fired when the API says the session is gone (expired, signed out elsewhere); the app shows sign-in. */
export const SIGNED_OUT_EVENT = "tern:signed-out";

/** One JSON call of the admin API (feature modules such as Try it build on it). */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (res.status === 401) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
  if (!res.ok) throw await toError(res);
  return (await res.json()) as T;
}

/** What the browser may send to sign in: the admin token, or the configured user and password. */
export type Credentials = { token: string } | { user: string; password: string };

/**
 * Signs in (POST /session): the server sets an http-only session cookie. A wrong token gets a
 * plainer message than the server's; a wrong password and a throttled 429 keep the server's own.
 */
async function signIn(credentials: Credentials): Promise<void> {
  try {
    const res = await send("POST", "/session", credentials);
    if (!res.ok) throw await toError(res);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && "token" in credentials) {
      throw new ApiError(401, error.code, "That is not this server's admin token.");
    }
    throw error;
  }
}

async function signOut(): Promise<void> {
  const res = await send("DELETE", "/session");
  if (!res.ok && res.status !== 401) throw await toError(res);
}

/** GET /session: signed in, or not with the ways this server accepts a sign-in (`error.details.methods`). */
async function session(): Promise<SessionState> {
  const res = await send("GET", "/session");
  if (res.ok) return { signedIn: true };
  const error = await toError(res);
  if (res.status !== 401) throw error;
  const listed = (error.details as { methods?: unknown } | undefined)?.methods;
  const methods = Array.isArray(listed)
    ? listed.filter((m): m is SignInMethod => m === "token" || m === "password")
    : [];
  return { signedIn: false, methods: methods.length > 0 ? methods : ["token"] };
}

const id = (value: string) => encodeURIComponent(value);

/** `?a=1&b=2` from the defined, non-empty values; "" when there are none. */
function queryOf(params: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `?${qs}` : "";
}

const items = <T>(r: { items: T[] }) => r.items;

export const api = {
  signIn,
  signOut,
  session,
  listFlows: () => request<{ items: FlowSummary[] }>("GET", "/flows").then((r) => r.items),
  listTemplates: () => request<{ items: FlowTemplate[] }>("GET", "/templates").then((r) => r.items),
  createFlow: (definition: unknown) => request<CreatedFlow>("POST", "/flows", definition),
  getFlow: (id: string) =>
    request<FlowSummary & { definition: unknown }>("GET", `/flows/${encodeURIComponent(id)}`),
  versions: (id: string) =>
    request<{ items: FlowVersion[] }>("GET", `/flows/${encodeURIComponent(id)}/versions`).then(
      (r) => r.items,
    ),
  publish: (id: string, version: number) =>
    request<PublishResult>("POST", `/flows/${encodeURIComponent(id)}/publish`, { version }),
  /** Fetched (not a plain link) so an expired session shows as an error; saved as a file by the page. */
  exportFlow: async (id: string, version?: number): Promise<Blob> => {
    const query = version === undefined ? "" : `?version=${version}`;
    const res = await send("GET", `/flows/${encodeURIComponent(id)}/export${query}`);
    if (!res.ok) throw await toError(res);
    return res.blob();
  },
  /** Runs newest first; pass the previous page's `nextCursor` as `cursor` for the next page. */
  listRuns: (filter: RunFilter = {}) => request<RunPage>("GET", `/runs${queryOf(filter)}`),
  runMessages: (runId: string) =>
    request<{ items: RunMessage[] }>("GET", `/runs/${id(runId)}/messages`).then(items),
  getRun: (id: string) => request<RunDetail>("GET", `/runs/${encodeURIComponent(id)}`),
  endRun: (id: string) => request<RunSummary>("POST", `/runs/${encodeURIComponent(id)}/end`),
  retryRun: (id: string) => request<RunSummary>("POST", `/runs/${encodeURIComponent(id)}/retry`),

  channelTypes: () => request<{ items: IntegrationType[] }>("GET", "/channel-types").then(items),
  connectionTypes: () => request<{ items: IntegrationType[] }>("GET", "/connection-types").then(items),

  listConnections: () => request<{ items: Connection[] }>("GET", "/connections").then(items),
  getConnection: (connId: string) => request<Connection>("GET", `/connections/${id(connId)}`),
  createConnection: (body: { type: string; name: string; config: Record<string, unknown> }) =>
    request<Connection>("POST", "/connections", body),
  updateConnection: (connId: string, body: { name?: string; config?: Record<string, unknown> }) =>
    request<Connection>("PATCH", `/connections/${id(connId)}`, body),
  testConnection: (connId: string) => request<ConnectionTest>("POST", `/connections/${id(connId)}/test`),
  disconnectConnection: (connId: string) =>
    request<Connection & { revocation: { revoked: boolean; reason?: string } }>(
      "POST",
      `/connections/${id(connId)}/disconnect`,
    ),
  /** The provider's authorize URL; `returnTo: "ui"` brings the browser back to /connections. */
  startOAuth: (connId: string) =>
    request<{ authorizeUrl: string; callbackUrl: string }>(
      "GET",
      `/connections/${id(connId)}/oauth/start?returnTo=ui`,
    ),
  deleteConnection: async (connId: string): Promise<void> => {
    const res = await send("DELETE", `/connections/${id(connId)}`);
    if (!res.ok) throw await toError(res);
  },

  listChannels: () => request<{ items: Channel[] }>("GET", "/channels").then(items),
  createChannel: (body: { type: string; name: string; config: Record<string, unknown> }) =>
    request<Channel>("POST", "/channels", body),
  updateChannel: (channelId: string, body: { name?: string; config?: Record<string, unknown> }) =>
    request<Channel>("PATCH", `/channels/${id(channelId)}`, body),
  /** Registers the webhook at the provider again (Telegram, Viber): the channel with its `setup` report. */
  setupChannel: (channelId: string) => request<Channel>("POST", `/channels/${id(channelId)}/setup`),
  deleteChannel: async (channelId: string): Promise<void> => {
    const res = await send("DELETE", `/channels/${id(channelId)}`);
    if (!res.ok) throw await toError(res);
  },
  rejectedEvents: (channelId: string) =>
    request<{ items: RejectedEvent[] }>("GET", `/channels/${id(channelId)}/rejected-events?limit=20`).then(
      items,
    ),
  channelMessages: (channelId: string) =>
    request<{ items: ChannelMessage[] }>("GET", `/channels/${id(channelId)}/messages?limit=20`).then(items),

  listContacts: (filter: ContactFilter = {}) =>
    request<{ items: Contact[] }>("GET", `/contacts${queryOf(filter)}`).then(items),
  getContact: (contactId: string) => request<ContactDetail>("GET", `/contacts/${id(contactId)}`),
  changeTags: (contactId: string, change: { add?: string[]; remove?: string[] }) =>
    request<Contact>("POST", `/contacts/${id(contactId)}/tags`, change),
  contactRecords: (contactId: string) =>
    request<{ items: LinkedRecord[] }>("GET", `/contacts/${id(contactId)}/records`).then(items),
  /** The flow file's JSON Schema, one schema per step type (the editor's forms come from it). */
  flowSchema: () => request<JsonSchema>("GET", "/flows/schema"),
  validateFlow: (definition: unknown) => request<ValidationResult>("POST", "/flows/validate", definition),
  /** Stores the file as the flow's next version (a draft until published). */
  saveFlow: (id: string, definition: unknown) =>
    request<SavedFlow>("PUT", `/flows/${encodeURIComponent(id)}`, definition),
  diff: (id: string, from: number, to: number) =>
    request<FlowDiff>("GET", `/flows/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`),
  /** Salesforce objects of a connection; null when this server has no describe route (404). */
  sobjects: (connectionId: string) =>
    orNull(
      request<{ items: SObjectSummary[] }>("GET", `/connections/${encodeURIComponent(connectionId)}/objects`),
    ),
  sobject: (connectionId: string, name: string) =>
    orNull(
      request<SObjectDescribe>(
        "GET",
        `/connections/${encodeURIComponent(connectionId)}/objects/${encodeURIComponent(name)}`,
      ),
    ),
};

/** A 404 means "not available here" (an older server, an unknown object): the page falls back. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
