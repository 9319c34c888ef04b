import { useCallback, useEffect, useState } from "react";

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
  return { data, error, reload };
}
