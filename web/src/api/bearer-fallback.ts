/**
 * Until the server's session routes exist (POST /api/v1/session answers 404), the UI keeps the
 * admin token in sessionStorage and sends it as a bearer token. Remove this file once every
 * supported server has sessions: the cookie is http-only and never readable by scripts.
 */
const KEY = "tern.adminToken";

function token(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const bearerFallback = {
  header(): Record<string, string> {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  },
  isSignedIn(): boolean {
    return token() !== null;
  },
  /** Keeps the token only if the API accepts it. */
  async signIn(
    candidate: string,
    probe: () => Promise<Response>,
    toError: (res: Response) => Promise<Error>,
  ): Promise<void> {
    sessionStorage.setItem(KEY, candidate);
    const res = await probe();
    if (res.ok) return;
    sessionStorage.removeItem(KEY);
    throw await toError(res);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
