import { useEffect } from "react";
import { holdLeave } from "../router";

/**
 * Unsaved changes: closing or reloading the tab asks (the browser's own dialog), and so does
 * leaving through the app (a link, back, sign-out), with `question`.
 */
export function useWarnBeforeLeaving(isDirty: boolean, question: string): void {
  useEffect(() => {
    if (!isDirty) return;
    const onLeave = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onLeave);
    const release = holdLeave(() => window.confirm(question));
    return () => {
      window.removeEventListener("beforeunload", onLeave);
      release();
    };
  }, [isDirty, question]);
}
