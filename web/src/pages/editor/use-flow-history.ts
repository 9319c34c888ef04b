import { useCallback, useRef, useState } from "react";
import type { FlowFile } from "../../api/types";
import { canRedo, canUndo, type History, push, redo, startHistory, undo } from "./history";

/**
 * The edited flow with undo/redo. Typing in one field makes one history entry, not one per key:
 * changes with the same `coalesce` key within a second replace the newest entry.
 */
export function useFlowHistory(initial: FlowFile) {
  const [history, setHistory] = useState<History<FlowFile>>(() => startHistory(initial));
  const last = useRef<{ key: string; at: number } | null>(null);

  const change = useCallback((next: FlowFile | ((flow: FlowFile) => FlowFile), coalesce?: string) => {
    setHistory((h) => {
      const value = typeof next === "function" ? next(h.present) : next;
      if (value === h.present) return h;
      const now = Date.now();
      const isSameEdit =
        coalesce !== undefined && last.current?.key === coalesce && now - last.current.at < 1000;
      last.current = coalesce === undefined ? null : { key: coalesce, at: now };
      return isSameEdit ? { ...h, present: value } : push(h, value);
    });
  }, []);

  const reset = useCallback((flow: FlowFile) => {
    last.current = null;
    setHistory(startHistory(flow));
  }, []);

  return {
    flow: history.present,
    change,
    reset,
    undo: useCallback(() => {
      last.current = null;
      setHistory(undo);
    }, []),
    redo: useCallback(() => {
      last.current = null;
      setHistory(redo);
    }, []),
    canUndo: canUndo(history),
    canRedo: canRedo(history),
  };
}
