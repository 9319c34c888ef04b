import { getChannelDefinition } from "../channels/registry.js";
import { type ChannelSummary, matchChannelRef } from "./channel-ref.js";
import { jsonPath, type PathSegment, type ValidationIssue } from "./issues.js";
import type { Flow } from "./schema.js";

/**
 * What this installation has, for checking that a flow names things that exist: the channel
 * types this server supports and those it has a channel of, the connections by name, and the
 * flows (for `subflow`). Read by the server (services/flow-service.ts); `flows/` knows no store.
 */
export interface Installation {
  /** Channel types the server supports (its channel registry). */
  knownChannelTypes: ReadonlyArray<string>;
  /** Channel types with at least one configured channel. */
  channelTypes: ReadonlyArray<string>;
  /** The configured channels (what a schedule's audience names). */
  channels: ReadonlyArray<ChannelSummary>;
  /** Connection names (what a step's `connection` names). */
  connections: ReadonlyArray<string>;
  /** Each connection's type by name, when known: a step's connection must be of the type it calls. */
  connectionTypes?: ReadonlyMap<string, string>;
  /** Flows by id, and whether each has a published version (what a `subflow` step runs). */
  flows: ReadonlyArray<{ id: string; isPublished: boolean }>;
}

export interface InstallationIssues {
  /** Would break the flow: an error at publish, a warning on import. */
  problems: ValidationIssue[];
  /** Worth knowing, never blocking (a trigger channel type with no channel set up yet). */
  notes: ValidationIssue[];
  /** Steps whose connection is missing: their design-time check has nothing to ask. */
  stepsWithoutConnection: ReadonlySet<string>;
}

/**
 * Problems: a trigger channel type the server does not support, a step naming a connection that
 * does not exist (its `connection`, or a handoff's `case.connection`), a subflow naming a flow that
 * does not exist or was never published. Notes: a trigger channel type with no channel set up here yet.
 */
export function checkInstallation(flow: Flow, installation: Installation): InstallationIssues {
  const problems: ValidationIssue[] = [];
  const notes: ValidationIssue[] = [];
  checkTriggerChannels(flow, installation, problems, notes);
  checkAudienceChannels(flow, installation, problems);
  const connections = new Set(installation.connections);
  const flows = new Map(installation.flows.map((f) => [f.id, f]));
  const stepsWithoutConnection = new Set<string>();
  flow.steps.forEach((step, index) => {
    for (const { path, connection, type } of namedConnections(step)) {
      const actual = installation.connectionTypes?.get(connection);
      if (connections.has(connection) && type && actual && actual !== type) {
        // It would fail at run time ("has no action create") and its record would be lost.
        stepsWithoutConnection.add(step.id);
        problems.push({
          path: jsonPath(["steps", index, ...path]),
          message: `step "${step.id}": connection "${connection}" is a ${actual} connection; this step needs a ${type} one. Fix the name, or create a ${type} connection`,
          stepId: step.id,
        });
        continue;
      }
      if (connections.has(connection)) continue;
      stepsWithoutConnection.add(step.id);
      const known = installation.connections.length
        ? `; connections here: ${installation.connections.map((c) => `"${c}"`).join(", ")}`
        : "; there are none yet";
      problems.push({
        path: jsonPath(["steps", index, ...path]),
        message: `step "${step.id}": no connection named "${connection}" exists${known}. Create it (POST /api/v1/connections) or fix the name`,
        stepId: step.id,
      });
    }
    if (step.type === "subflow" && typeof step.flow === "string") {
      const target = flows.get(step.flow);
      if (!target?.isPublished)
        problems.push({
          path: jsonPath(["steps", index, "flow"]),
          message: target
            ? `step "${step.id}": flow "${step.flow}" has no published version; publish it first (a subflow runs the published version)`
            : `step "${step.id}": no flow with id "${step.flow}" exists (GET /api/v1/flows lists them)`,
          stepId: step.id,
        });
    }
  });
  return { problems, notes, stepsWithoutConnection };
}

/**
 * A step's own `connection`, and the one a handoff's Case is created through (`case.connection`),
 * with the connection type each calls: `salesforce.create` a salesforce one, `http` an http one.
 */
export function namedConnections(
  step: Flow["steps"][number],
): Array<{ path: PathSegment[]; connection: string; type?: string }> {
  const named: Array<{ path: PathSegment[]; connection: string; type?: string }> = [];
  const type = step.type.includes(".") ? step.type.split(".")[0] : step.type === "http" ? "http" : undefined;
  if (typeof step.connection === "string")
    named.push({ path: ["connection"], connection: step.connection, type });
  const handoffCase =
    step.type === "handoff" ? (step.case as { connection?: unknown } | undefined) : undefined;
  if (typeof handoffCase?.connection === "string")
    named.push({ path: ["case", "connection"], connection: handoffCase.connection, type: "salesforce" });
  return named;
}

/** A schedule's audience members name their channel: each must name one (else it never fires for them). */
function checkAudienceChannels(flow: Flow, installation: Installation, problems: ValidationIssue[]): void {
  if (flow.trigger.type !== "schedule") return;
  (flow.trigger.audience.contacts ?? []).forEach((member, index) => {
    const match = matchChannelRef(installation.channels, member.channel);
    if ("problem" in match) {
      problems.push({
        path: jsonPath(["trigger", "audience", "contacts", index, "channel"]),
        message: `${match.problem}: this audience member would never get the run (GET /api/v1/channels lists them)`,
      });
      return;
    }
    // The same check as an API trigger's contact.address: a run that could not send is refused here.
    const definition = getChannelDefinition(match.channel.type);
    if (definition?.isAddress && !definition.isAddress(member.address))
      problems.push({
        path: jsonPath(["trigger", "audience", "contacts", index, "address"]),
        message: `"${member.address.slice(0, 64)}" is not an address on ${definition.title}: give ${definition.addressHint ?? "the address the channel uses"}`,
      });
  });
}

/** Trigger channel types that no channel definition has: errors, here and offline alike. */
export function unknownChannelTypes(flow: Flow, knownChannelTypes: ReadonlyArray<string>): ValidationIssue[] {
  const channels = (flow.trigger as { channels?: unknown }).channels;
  if (!Array.isArray(channels)) return [];
  const known = new Set(knownChannelTypes);
  return channels.flatMap((type, index) =>
    typeof type !== "string" || known.has(type)
      ? []
      : [
          {
            path: jsonPath(["trigger", "channels", index]),
            message: `channel type "${type}" does not exist; known types: ${[...known].join(", ")}`,
          },
        ],
  );
}

function checkTriggerChannels(
  flow: Flow,
  installation: Installation,
  problems: ValidationIssue[],
  notes: ValidationIssue[],
): void {
  // Only triggers that name channel types (message triggers); other kinds have none.
  const channels = (flow.trigger as { channels?: unknown }).channels;
  if (!Array.isArray(channels)) return;
  const known = new Set(installation.knownChannelTypes);
  const configured = new Set(installation.channelTypes);
  const named = channels.filter((c): c is string => typeof c === "string");
  problems.push(...unknownChannelTypes(flow, installation.knownChannelTypes));
  const missing = named.filter((type) => known.has(type) && !configured.has(type));
  if (missing.length === 0) return;
  const path = (type: string) => jsonPath(["trigger", "channels", named.indexOf(type)]);
  const isNoneConfigured = named.every((type) => !configured.has(type));
  for (const type of missing) {
    const issue = {
      path: path(type),
      message: `no "${type}" channel is set up in this installation (POST /api/v1/channels adds one)${
        isNoneConfigured
          ? ", and none of the trigger's channel types has one: the flow cannot start until one is added"
          : ""
      }`,
    };
    // A warning even when none has a channel: setting up the flow before its channel is a normal
    // order of work (the channel tests and the docs do it), and the flow simply does not start yet.
    notes.push(issue);
  }
}
