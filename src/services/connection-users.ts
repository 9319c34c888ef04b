import { AppError } from "../core/app-error.js";
import { namedConnections } from "../flows/installation-check.js";
import type { FlowStep } from "../flows/schema.js";
import type { Repos } from "../store/store.js";

interface PublishedUser {
  id: string;
  version: number;
}

/** Published flows (with their published version) that have a step naming this connection. */
export async function publishedFlowsUsing(
  repos: Pick<Repos, "flows">,
  connectionName: string,
): Promise<PublishedUser[]> {
  const users: PublishedUser[] = [];
  for (const published of await repos.flows.published()) {
    const row = await repos.flows.version(published.id, published.version);
    const steps = (row?.definition as { steps?: unknown } | undefined)?.steps;
    // A published version passed validation: its steps are step objects.
    const calls = (step: FlowStep) => namedConnections(step).some((n) => n.connection === connectionName);
    if (Array.isArray(steps) && (steps as FlowStep[]).some(calls)) {
      users.push({ id: published.id, version: published.version });
    }
  }
  return users;
}

/**
 * 409 while a published flow names this connection: deleted or renamed, the flow stayed published
 * and its live runs failed at the step (re-publishing the same version was refused too). The flows
 * are named, so the admin knows what to change first.
 */
export async function assertConnectionUnused(
  repos: Pick<Repos, "flows">,
  connectionName: string,
  change: "delete" | "rename",
): Promise<void> {
  const users = await publishedFlowsUsing(repos, connectionName);
  if (users.length === 0) return;
  const list = users.map((u) => `"${u.id}" (version ${u.version})`).join(", ");
  const then =
    change === "delete"
      ? "then delete it"
      : "then rename it; or create a connection under the new name and publish versions that name it";
  throw new AppError(
    "CONFLICT",
    `The connection "${connectionName}" is used by published flow(s) ${list}: their runs would fail at that step. Publish versions that name another connection, or unpublish them (POST /api/v1/flows/<id>/unpublish), ${then}.`,
    { details: { flows: users } },
  );
}
