import { useEffect, useState } from "react";
import { ApiError, SIGNED_IN_AGAIN_EVENT } from "../api/client";

interface Problem {
  path: string;
  message: string;
}

/**
 * An error a screen reader announces as it appears. An API refusal that lists its problems
 * (`details.problems` of a bad request, `details.errors` of a config or a flow) shows them as a
 * list, each with the field it is about, instead of the one long line the API's message is.
 */
export function ErrorMessage({ error }: { error: unknown }) {
  const isStale = useStaleOnceSignedInAgain(error);
  if (!error || isStale) return null;
  const text = error instanceof Error ? error.message : String(error);
  const problems = problemsOf(error);
  if (problems.length === 0) {
    return (
      <p className="error" role="alert">
        {text}
      </p>
    );
  }
  return (
    <div className="error" role="alert">
      <p>{headline(text)}:</p>
      <ul className="error-problems">
        {problems.map((p) => (
          <li key={`${p.path}:${p.message}`}>
            {fieldOf(p.path) && <code>{fieldOf(p.path)}</code>} {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A 401's "Your session ended: sign in again, then try again" is done with once the person signed
 * in again over the page: what failed can be tried again, and the line no longer says so.
 */
function useStaleOnceSignedInAgain(error: unknown): boolean {
  const [stale, setStale] = useState<unknown>(null);
  useEffect(() => {
    if (!(error instanceof ApiError && error.status === 401)) return;
    const onSignedIn = () => setStale(error);
    window.addEventListener(SIGNED_IN_AGAIN_EVENT, onSignedIn);
    return () => window.removeEventListener(SIGNED_IN_AGAIN_EVENT, onSignedIn);
  }, [error]);
  return stale !== null && stale === error;
}

function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof ApiError) || typeof error.details !== "object" || error.details === null) return [];
  const details = error.details as { problems?: unknown; errors?: unknown };
  const list = Array.isArray(details.problems) ? details.problems : details.errors;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (p): p is Problem => typeof p?.path === "string" && typeof p?.message === "string" && p.message !== "",
  );
}

/** The message before its listing ("Invalid body: $.name: …", "… cannot be published; fix …"). */
function headline(message: string): string {
  const cut = [message.indexOf("; "), message.indexOf(": $")].filter((i) => i > 0);
  const head = cut.length > 0 ? message.slice(0, Math.min(...cut)) : message;
  return /^Invalid (body|querystring|params|headers)$/.test(head) ? "Check these values" : head;
}

/** `$.config.accessToken` → `config.accessToken`; the whole body (`$`) names no field. */
function fieldOf(path: string): string {
  return path.replace(/^\$\.?/, "");
}
