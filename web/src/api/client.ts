import { type AfterPath, type AnswerOf, API_BASE, type Method, type PathPattern } from "./api-paths";
import type { ApiErrorBody, ContactFilter, RunFilter, SessionState, SignInMethod } from "./types";

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

/**
 * No answer at all: the network or Tern is down (fetch's own "Failed to fetch" says neither). The
 * request may or may not have reached Tern; nothing in the page was dropped.
 */
export class NetworkError extends Error {
  constructor() {
    super("Tern can't be reached: check the network, or whether Tern is running, then try again.");
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The double-submit CSRF token: the readable cookie `tern_csrf`, echoed in `x-tern-csrf`. */
function csrfToken(): string | undefined {
  const match = document.cookie.split("; ").find((c) => c.startsWith("tern_csrf="));
  return match ? decodeURIComponent(match.slice("tern_csrf=".length)) : undefined;
}

/**
 * One call of the admin API. Its method and path must be an operation of the OpenAPI document,
 * and its body and query that operation's (api-paths.ts); a path the server lacks does not compile.
 */
function send<M extends Method, P extends PathPattern<M>>(
  method: M,
  path: P,
  ...rest: AfterPath<M, P>
): Promise<Response> {
  return sendWith({}, method, path, ...rest);
}

/** `send` with extra request headers (`If-Match`). */
function sendWith<M extends Method, P extends PathPattern<M>>(
  extra: Record<string, string>,
  method: M,
  path: P,
  ...[body, query]: AfterPath<M, P>
): Promise<Response> {
  return sendUnchecked(method, `${path}${queryOf(query ?? {})}`, body, extra);
}

async function sendUnchecked(
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...extra, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const csrf = UNSAFE.has(method) ? csrfToken() : undefined;
  if (csrf) headers["x-tern-csrf"] = csrf;
  try {
    return await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    // fetch rejects with a TypeError only when no answer came; an abort is the caller's own.
    if (error instanceof TypeError) throw new NetworkError();
    throw error;
  }
}

async function toError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as ApiErrorBody;
  const message = body.error?.message ?? `${res.status} ${res.statusText}`;
  return new ApiError(res.status, body.error?.code ?? "HTTP_ERROR", message, body.error?.details);
}

/** Fired when the API says the session is gone (expired, signed out elsewhere); the app shows sign-in. */
export const SIGNED_OUT_EVENT = "tern:signed-out";
/** Fired when the person signed in again over the page they were on: what failed meanwhile may be retried. */
export const SIGNED_IN_AGAIN_EVENT = "tern:signed-in-again";

/**
 * A refused call as an ApiError. A 401 also tells the app the session is gone, and says so in the
 * person's words (the API's own message is for API clients: "send `Authorization: Bearer …`").
 */
async function failure(res: Response): Promise<ApiError> {
  const error = await toError(res);
  if (res.status !== 401) return error;
  window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
  return new ApiError(401, error.code, "Your session ended: sign in again, then try again.", error.details);
}

/**
 * One JSON call of the admin API (feature modules such as Try it build on it), checked like
 * `send`; it answers the operation's type from answers.ts (or the document).
 */
export async function request<M extends Method, P extends PathPattern<M>>(
  method: M,
  path: P,
  ...rest: AfterPath<M, P>
): Promise<AnswerOf<M, P>> {
  const res = await send(method, path, ...rest);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as AnswerOf<M, P>;
}

/**
 * A change based on what the page read: `If-Match` with that ETag (the flow's version, or a
 * channel's or connection's revision), so the server refuses it (412 PRECONDITION_FAILED) when
 * someone saved since instead of overwriting their work. Without a tag: as `request`.
 */
async function requestIfMatch<M extends Method, P extends PathPattern<M>>(
  etag: string | undefined,
  method: M,
  path: P,
  ...rest: AfterPath<M, P>
): Promise<AnswerOf<M, P>> {
  const res = await sendWith(etag === undefined ? {} : { "if-match": etag }, method, path, ...rest);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as AnswerOf<M, P>;
}

/** The ETag of a flow whose latest version is `version` (the server's `"v7"`). */
export const flowEtag = (version: number): string => `"v${version}"`;
const revisionEtag = (revision: string | undefined) => (revision === undefined ? undefined : `"${revision}"`);

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
    // Read to the end: an answer left unread (the API's are no-store, so no cache reads it either)
    // keeps its request open.
    await res.text();
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
  if (res.ok) {
    await res.text();
    return { signedIn: true };
  }
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
  listFlows: () => request("GET", "/flows").then((r) => r.items),
  listTemplates: () => request("GET", "/templates").then((r) => r.items),
  createFlow: (definition: unknown) => request("POST", "/flows", definition),
  getFlow: (id: string) => request("GET", `/flows/${encodeURIComponent(id)}`),
  versions: (id: string) => request("GET", `/flows/${encodeURIComponent(id)}/versions`).then((r) => r.items),
  publish: (id: string, version: number) =>
    request("POST", `/flows/${encodeURIComponent(id)}/publish`, { version }),
  /** No version takes new conversations; started runs go on (`activeRuns`: how many). */
  unpublish: (id: string) => request("POST", `/flows/${encodeURIComponent(id)}/unpublish`),
  /** Deletes a flow with all its versions; 409 (the API says why) while it is published or has runs. */
  deleteFlow: async (id: string): Promise<void> => {
    const res = await send("DELETE", `/flows/${encodeURIComponent(id)}`);
    if (!res.ok) throw await failure(res);
  },
  /** Fetched (not a plain link) so an expired session shows as an error; saved as a file by the page. */
  exportFlow: async (id: string, version?: number): Promise<Blob> => {
    const res = await send("GET", `/flows/${encodeURIComponent(id)}/export`, undefined, { version });
    if (!res.ok) throw await failure(res);
    return res.blob();
  },
  /** Runs newest first; pass the previous page's `nextCursor` as `cursor` for the next page. */
  listRuns: (filter: RunFilter = {}) => request("GET", "/runs", undefined, filter),
  runMessages: (runId: string) => request("GET", `/runs/${id(runId)}/messages`).then(items),
  getRun: (id: string) => request("GET", `/runs/${encodeURIComponent(id)}`),
  endRun: (id: string) => request("POST", `/runs/${encodeURIComponent(id)}/end`),
  retryRun: (id: string) => request("POST", `/runs/${encodeURIComponent(id)}/retry`),

  channelTypes: () => request("GET", "/channel-types").then(items),
  connectionTypes: () => request("GET", "/connection-types").then(items),

  listConnections: () => request("GET", "/connections").then(items),
  getConnection: (connId: string) => request("GET", `/connections/${id(connId)}`),
  createConnection: (body: { type: string; name: string; config: Record<string, unknown> }) =>
    request("POST", "/connections", body),
  /** `revision`: the connection as read; a change made since is then refused (412), not overwritten. */
  updateConnection: (
    connId: string,
    body: { name?: string; config?: Record<string, unknown> },
    revision?: string,
  ) => requestIfMatch(revisionEtag(revision), "PATCH", `/connections/${id(connId)}`, body),
  testConnection: (connId: string) => request("POST", `/connections/${id(connId)}/test`),
  disconnectConnection: (connId: string) => request("POST", `/connections/${id(connId)}/disconnect`),
  /** The provider's authorize URL; `returnTo: "ui"` brings the browser back to /connections. */
  startOAuth: (connId: string) =>
    request("GET", `/connections/${id(connId)}/oauth/start`, undefined, { returnTo: "ui" }),
  deleteConnection: async (connId: string): Promise<void> => {
    const res = await send("DELETE", `/connections/${id(connId)}`);
    if (!res.ok) throw await failure(res);
  },

  listChannels: () => request("GET", "/channels").then(items),
  createChannel: (body: { type: string; name: string; config: Record<string, unknown> }) =>
    request("POST", "/channels", body),
  /** `revision`: the channel as read; a change made since is then refused (412), not overwritten. */
  updateChannel: (
    channelId: string,
    body: { name?: string; config?: Record<string, unknown> },
    revision?: string,
  ) => requestIfMatch(revisionEtag(revision), "PATCH", `/channels/${id(channelId)}`, body),
  /** Registers the webhook at the provider again (Telegram, Viber): the channel with its `setup` report. */
  setupChannel: (channelId: string) => request("POST", `/channels/${id(channelId)}/setup`),
  deleteChannel: async (channelId: string): Promise<void> => {
    const res = await send("DELETE", `/channels/${id(channelId)}`);
    if (!res.ok) throw await failure(res);
  },
  rejectedEvents: (channelId: string) =>
    request("GET", `/channels/${id(channelId)}/rejected-events`, undefined, { limit: 20 }).then(items),
  channelMessages: (channelId: string) =>
    request("GET", `/channels/${id(channelId)}/messages`, undefined, { limit: 20 }).then(items),

  listContacts: (filter: ContactFilter = {}) => request("GET", "/contacts", undefined, filter),
  getContact: (contactId: string) => request("GET", `/contacts/${id(contactId)}`),
  changeTags: (contactId: string, change: { add?: string[]; remove?: string[] }) =>
    request("POST", `/contacts/${id(contactId)}/tags`, change),
  /**
   * Erases a person (README "Retention and erasure"): "erased" (204), or "queued" with the API's
   * words (202: PostgreSQL waits for the conversation's turn; the contact stays readable until then).
   */
  eraseContact: async (
    contactId: string,
  ): Promise<{ state: "erased" } | { state: "queued"; message: string }> => {
    const res = await send("DELETE", `/contacts/${id(contactId)}`);
    if (!res.ok) throw await failure(res);
    if (res.status !== 202) return { state: "erased" };
    const body = (await res.json().catch(() => ({}))) as { message?: unknown };
    return { state: "queued", message: typeof body.message === "string" ? body.message : "" };
  },
  contactRecords: (contactId: string) => request("GET", `/contacts/${id(contactId)}/records`).then(items),
  /** The flow file's JSON Schema, one schema per step type (the editor's forms come from it). */
  flowSchema: () => request("GET", "/flows/schema"),
  validateFlow: (definition: unknown) => request("POST", "/flows/validate", definition),
  /**
   * Stores the file as the flow's next version (a draft until published). `basedOn`: the version
   * the editor started from; the save is refused (412) when another was saved since.
   */
  saveFlow: (id: string, definition: unknown, basedOn?: number) =>
    requestIfMatch(
      basedOn === undefined ? undefined : flowEtag(basedOn),
      "PUT",
      `/flows/${encodeURIComponent(id)}`,
      definition,
    ),
  diff: (id: string, from: number, to: number) =>
    request("GET", `/flows/${encodeURIComponent(id)}/diff`, undefined, { from, to }),
  /** Salesforce objects of a connection; null when this server has no describe route (404). */
  sobjects: (connectionId: string) =>
    orNull(request("GET", `/connections/${encodeURIComponent(connectionId)}/objects`)),
  sobject: (connectionId: string, name: string) =>
    orNull(
      request("GET", `/connections/${encodeURIComponent(connectionId)}/objects/${encodeURIComponent(name)}`),
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
