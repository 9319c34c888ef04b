import { useReactFlow, useStoreApi } from "@xyflow/react";
import type { KeyboardEvent } from "react";

/**
 * Delete or Backspace with the keyboard on the canvas itself (its pane, a step, a transition):
 * never on a button (the palette and the panel sit beside it, the zoom controls inside it) or in
 * a field. React Flow's own delete key listens on the whole document, so a step selected on the
 * canvas was deleted by Delete pressed on a palette button or "Make start step".
 */
export function isCanvasDeleteKey(event: KeyboardEvent<HTMLElement>): boolean {
  if (event.key !== "Delete" && event.key !== "Backspace") return false;
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return false;
  const target = event.target as Element;
  if (target.closest("input, textarea, select, button, a, [contenteditable]")) return false;
  return target.closest(".react-flow") !== null;
}

/** The canvas's keydown handler: the delete key removes the selected steps and transitions. */
export function useCanvasDeleteKey(): (event: KeyboardEvent<HTMLElement>) => void {
  const store = useStoreApi();
  const { deleteElements } = useReactFlow();
  return (event) => {
    if (!isCanvasDeleteKey(event)) return;
    event.preventDefault();
    const { nodes, edges } = store.getState();
    // As React Flow's own key did: the selection goes through onDelete (one undo step).
    void deleteElements({ nodes: nodes.filter((n) => n.selected), edges: edges.filter((e) => e.selected) });
  };
}
