import type {
  ApiErrorBody,
  CreatedFlow,
  FlowSummary,
  FlowTemplate,
  FlowVersion,
  PublishResult,
  RunDetail,
  RunFilter,
  RunPage,
  RunSummary,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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
  return new ApiError(res.status, body.error?.code ?? "HTTP_ERROR", message);
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

/** Signs in with the admin token: the server sets an http-only session cookie (POST /session). */
async function signIn(token: string): Promise<void> {
  try {
    const res = await send("POST", "/session", { token });
    if (!res.ok) throw await toError(res);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(401, error.code, "That is not this server's admin token.");
    }
    throw error;
  }
}

async function signOut(): Promise<void> {
  const res = await send("DELETE", "/session");
  if (!res.ok && res.status !== 401) throw await toError(res);
}

async function isSignedIn(): Promise<boolean> {
  const res = await send("GET", "/session");
  return res.ok;
}

export const api = {
  signIn,
  signOut,
  isSignedIn,
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
  listRuns: (filter: RunFilter = {}) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) {
      if (value !== undefined && value !== "") query.set(key, String(value));
    }
    const qs = query.toString();
    return request<RunPage>("GET", `/runs${qs ? `?${qs}` : ""}`);
  },
  getRun: (id: string) => request<RunDetail>("GET", `/runs/${encodeURIComponent(id)}`),
  endRun: (id: string) => request<RunSummary>("POST", `/runs/${encodeURIComponent(id)}/end`),
  retryRun: (id: string) => request<RunSummary>("POST", `/runs/${encodeURIComponent(id)}/retry`),
};
