import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { ConnectionSummary, FlowStep, SObjectDescribe } from "../../api/types";

/**
 * Salesforce describe for a `salesforce.*` step: the connection's objects and the step object's
 * fields (GET /connections/:id/objects[/:name]). Null while there is nothing to show: not a
 * Salesforce step, an unknown connection, or a server without the describe routes (404), in
 * which case the form keeps free text.
 */
export interface SalesforceHints {
  objects: string[];
  describe: SObjectDescribe | null;
}

export function useSalesforce(
  step: FlowStep | null,
  connections: ConnectionSummary[],
): SalesforceHints | null {
  const isSalesforce = step?.type.startsWith("salesforce.") ?? false;
  const name = typeof step?.connection === "string" ? step.connection : "";
  const object = typeof step?.object === "string" ? step.object : "";
  const connection = isSalesforce ? connections.find((c) => c.name === name || c.id === name) : undefined;
  const connectionId = connection?.id ?? "";
  const [objects, setObjects] = useState<string[] | null>(null);
  const [describe, setDescribe] = useState<SObjectDescribe | null>(null);

  useEffect(() => {
    setObjects(null);
    if (!connectionId) return;
    let isCurrent = true;
    api.sobjects(connectionId).then(
      (answer) => isCurrent && setObjects(answer ? answer.items.map((o) => o.name) : null),
      () => isCurrent && setObjects(null),
    );
    return () => {
      isCurrent = false;
    };
  }, [connectionId]);

  useEffect(() => {
    setDescribe(null);
    if (!connectionId || !/^[A-Za-z][A-Za-z0-9_]*$/.test(object)) return;
    let isCurrent = true;
    // Typing an object name asks once it rests (each keystroke would be a describe).
    const timer = setTimeout(() => {
      api.sobject(connectionId, object).then(
        (answer) => isCurrent && setDescribe(answer),
        () => isCurrent && setDescribe(null),
      );
    }, 300);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [connectionId, object]);

  if (!isSalesforce || (objects === null && describe === null)) return null;
  return { objects: objects ?? [], describe };
}
