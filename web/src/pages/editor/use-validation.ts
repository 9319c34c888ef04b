import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { FlowFile, ValidationIssue } from "../../api/types";
import { NO_PROBLEMS, type Problems, sortProblems } from "./problems";

/** Validates the flow on the server ~400 ms after the last change (POST /flows/validate). */
export function useValidation(flow: FlowFile, delayMs = 400) {
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS);
  const [state, setState] = useState<"checking" | "checked" | "failed">("checking");

  useEffect(() => {
    let isCurrent = true;
    setState("checking");
    const timer = setTimeout(() => {
      api.validateFlow(flow).then(
        (result) => {
          if (!isCurrent) return;
          setProblems(sortProblems(flow, result));
          setState("checked");
        },
        () => isCurrent && setState("failed"),
      );
    }, delayMs);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [flow, delayMs]);

  /** Shows problems the server gave elsewhere (a refused save or publish) until the next check. */
  const show = (result: { errors: ValidationIssue[]; warnings: ValidationIssue[] }) =>
    setProblems(sortProblems(flow, result));

  return { problems, state, show };
}
