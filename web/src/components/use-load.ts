import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, SIGNED_IN_AGAIN_EVENT } from "../api/client";

/** Loads data for a page; `reload` fetches it again (after a change). */
export function useLoad<T>(load: () => Promise<T>): {
  data: T | undefined;
  error: unknown;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [count, setCount] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is recreated each render; `count` asks for a reload.
  useEffect(() => {
    let isCurrent = true;
    load().then(
      (value) => {
        if (!isCurrent) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => isCurrent && setError(e),
    );
    return () => {
      isCurrent = false;
    };
  }, [count]);
  const reload = useCallback(() => setCount((c) => c + 1), []);
  useRetryAfterSignIn(error, reload);
  return { data, error, reload };
}

/**
 * Calls `retry` once the person signed in again over this page when `error` is the 401 of the
 * session that ended: the page then shows its data, not "sign in again" under a closed dialog.
 */
export function useRetryAfterSignIn(error: unknown, retry: () => void): void {
  const latest = useRef(retry);
  latest.current = retry;
  useEffect(() => {
    if (!(error instanceof ApiError && error.status === 401)) return;
    const onSignedIn = () => latest.current();
    window.addEventListener(SIGNED_IN_AGAIN_EVENT, onSignedIn);
    return () => window.removeEventListener(SIGNED_IN_AGAIN_EVENT, onSignedIn);
  }, [error]);
}
