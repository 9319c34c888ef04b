import { channelTypes } from "../channels/registry.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { IfMatch } from "../core/entity-tags.js";
import { newId } from "../core/ids.js";
import { validateFlowDesign } from "../flows/design-check.js";
import { checkInstallation, type Installation } from "../flows/installation-check.js";
import { longWaits } from "../flows/long-waits.js";
import type { Flow } from "../flows/schema.js";
import type { DesignEnv } from "../flows/step.js";
import { triggerOverlapWarnings } from "../flows/trigger-overlap.js";
import { type FlowValidationResult, type ValidationIssue, validateFlow } from "../flows/validate.js";
import { canonicalFlowText } from "../flows/versions/canonical.js";
import { diffFlows } from "../flows/versions/diff.js";
import { publishedWithTrigger } from "../queue/triggers.js";
import { stepRegistry } from "../steps.js";
import type { Store } from "../store/store.js";
import { assertFlowMatches } from "./flow-preconditions.js";
import { type MoveOutcome, moveWaitingRuns, type WaitingRunsPolicy } from "./publish-policy.js";

/**
 * Flows as versioned files: every import stores a new immutable version; publishing points
 * the flow at one of them. Parsed versions are cached because the router reads them per message.
 */
export interface FlowServiceOptions {
  /** Answers design-time checks (Salesforce mappings against the org); structural checks only without. */
  design?: DesignEnv;
  designTimeoutMs?: number;
  /** Parsed versions kept (the most recently used); default `MAX_CACHED_VERSIONS`. */
  maxCachedVersions?: number;
  /** TERN_MAX_WAIT: waits longer than it are warned of at validate, import and publish. */
  maxWaitMs?: number;
}

/**
 * Every saved draft is a version, and Try it and the runs parse whichever they use: kept without
 * a bound, months of editing filled the process with versions nobody runs any more. The published
 * ones and those of waiting runs are few and read per message, so they stay among the most recent.
 */
export const MAX_CACHED_VERSIONS = 500;

export function createFlowService(store: Store, clock: Clock, options: FlowServiceOptions = {}) {
  const cache = new Map<string, { flow: Flow; createdAt: number }>();
  const maxCached = options.maxCachedVersions ?? MAX_CACHED_VERSIONS;
  // Channel types the built-in sandbox answers for while it is on (set once it has started).
  let simulated: () => readonly string[] = () => [];
  const installation = () => readInstallation(store, simulated());
  const design = options.design ? { ...options.design, installation } : undefined;

  /** Structure, names against the installation, then every step's check against its connection. */
  const check = async (input: unknown): Promise<FlowValidationResult> =>
    withLongWaits(
      input,
      design
        ? await validateFlowDesign(input, design, { steps: stepRegistry, timeoutMs: options.designTimeoutMs })
        : validateFlow(input, { steps: stepRegistry }),
    );
  /** A valid flow's waits past TERN_MAX_WAIT, among its warnings. */
  const withLongWaits = (input: unknown, result: FlowValidationResult): FlowValidationResult =>
    result.valid
      ? { ...result, warnings: [...result.warnings, ...longWaits(input, options.maxWaitMs)] }
      : result;

  /**
   * On import a name that does not exist here is only a warning: a draft may be saved before its
   * channel or connection is set up. Publishing the version makes it an error.
   */
  const importWarnings = async (input: unknown, flow: Flow): Promise<ValidationIssue[]> => {
    const structural = validateFlow(input, { steps: stepRegistry }).warnings;
    const { problems, notes } = checkInstallation(flow, await installation());
    return [...structural, ...problems, ...notes, ...longWaits(input, options.maxWaitMs)];
  };

  const validOrThrow = (input: unknown): Flow => {
    const result = validateFlow(input, { steps: stepRegistry });
    if (!result.valid || !result.flow) {
      throw new AppError(
        "FLOW_INVALID",
        `The flow file has ${result.errors.length} problem(s): ${result.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        { details: { errors: result.errors, warnings: result.warnings } },
      );
    }
    return result.flow;
  };

  const summary = async (id: string) => {
    const flow = await store.flows.get(id);
    if (!flow) throw new AppError("FLOW_NOT_FOUND", `No flow with id "${id}"`);
    return flow;
  };

  /** A stored version as written (default: the published one, else the latest). */
  const definition = async (id: string, version?: number): Promise<unknown> => {
    const s = await summary(id);
    const v = await store.flows.version(id, version ?? s.publishedVersion ?? s.latestVersion);
    if (!v) throw new AppError("NOT_FOUND", `Flow "${id}" has no version ${version}`);
    return v.definition;
  };

  /**
   * A stored version, parsed. Versions are immutable while their flow exists, but a flow deleted
   * and imported again (maybe through another process) may reuse a number: its versions number on
   * from the deleted one's last, except after a delete made before that was kept. A cached
   * version is used only while the stored one has its creation time (`createdAt` when the caller
   * read it already, as the router does with the published list; else one small read). SQLite has
   * one process, whose delete below forgets the flow's versions: no read there.
   */
  const isShared = store.dialect === "postgres";
  const load = async (id: string, version: number, createdAt?: number): Promise<Flow> => {
    const key = `${id}@${version}`;
    const cached = cache.get(key);
    if (
      cached &&
      (!isShared || cached.createdAt === (createdAt ?? (await store.flows.versionCreatedAt(id, version))))
    ) {
      // Most recently used last: the first key is the one to forget.
      cache.delete(key);
      cache.set(key, cached);
      return cached.flow;
    }
    const v = await store.flows.version(id, version);
    if (!v) throw new AppError("FLOW_NOT_FOUND", `Flow ${id} version ${version} is missing`);
    const flow = validOrThrow(v.definition);
    cache.delete(key);
    cache.set(key, { flow, createdAt: v.createdAt });
    const oldest = cache.keys().next().value;
    if (cache.size > maxCached && oldest !== undefined) cache.delete(oldest);
    return flow;
  };

  /** Other published flows that start on the same messages (trigger-overlap.ts). */
  const overlapsWithPublished = async (id: string, definition: unknown): Promise<ValidationIssue[]> => {
    const flow = definition as Pick<Flow, "trigger">;
    if (flow.trigger?.type !== "message") return [];
    const others = (await publishedWithTrigger(store, load, "message"))
      .filter((published) => published.flowId !== id)
      .map((published) => ({ id: published.flowId, name: published.flow.name, flow: published.flow }));
    return triggerOverlapWarnings(flow, others);
  };

  /** Flows with any stored version that has a `subflow` step running `flowId`. */
  const anyVersionCallers = async (flowId: string): Promise<string[]> => {
    const callers: string[] = [];
    for (const flow of await store.flows.list()) {
      if (flow.id === flowId) continue;
      for (const { version } of await store.flows.versions(flow.id)) {
        const v = await store.flows.version(flow.id, version);
        const steps = (v?.definition as { steps?: Array<{ type?: unknown; flow?: unknown }> } | undefined)
          ?.steps;
        if (steps?.some((st) => st.type === "subflow" && st.flow === flowId)) {
          callers.push(flow.id);
          break;
        }
      }
    }
    return callers;
  };

  /** Published flows whose published version has a `subflow` step running `flowId`. */
  const subflowCallers = async (
    flowId: string,
    flows: Pick<Store["flows"], "published" | "version"> = store.flows,
  ): Promise<string[]> => {
    const callers: string[] = [];
    for (const published of await flows.published()) {
      if (published.id === flowId) continue;
      const v = await flows.version(published.id, published.version);
      const steps = (v?.definition as { steps?: Array<{ type?: unknown; flow?: unknown }> } | undefined)
        ?.steps;
      if (steps?.some((st) => st.type === "subflow" && st.flow === flowId)) callers.push(published.id);
    }
    return callers;
  };

  return {
    /** How many parsed versions are cached (tests check the bound). */
    cachedVersions(): number {
      return cache.size;
    },
    /**
     * While the built-in sandbox is on, it simulates these channel types: a flow triggered on one
     * of them gets no "no channel is set up" note (its messages come from the simulator).
     */
    simulateChannelTypes(types: () => readonly string[]): void {
      simulated = types;
    },
    /** Structural validation only (synchronous, no I/O). */
    validate: (input: unknown) => withLongWaits(input, validateFlow(input, { steps: stepRegistry })),
    check,
    /** Stores a new flow (version 1: a new id). */
    async create(
      input: unknown,
    ): Promise<{ id: string; version: number; name: string; warnings: ValidationIssue[] }> {
      const flow = validOrThrow(input);
      const id = newId("flow", clock.now());
      const version = await store.write((tx) => tx.flows.create(id, flow.name, input, clock.now()));
      return { id, version, name: flow.name, warnings: await importWarnings(input, flow) };
    },
    /**
     * Stores a new version of a flow; a flow id not seen here yet creates the flow with that id, so
     * importing the same files by id gives every installation the same flow ids (subflows name them).
     * `ifMatch` (If-Match): stored only while the latest version is the one the editor started from.
     */
    async addVersion(
      id: string,
      input: unknown,
      ifMatch?: IfMatch,
    ): Promise<{ id: string; version: number; name: string; warnings: ValidationIssue[]; unchanged?: true }> {
      const flow = validOrThrow(input);
      if (!isFlowId(id) && !(await store.flows.get(id)))
        throw new AppError(
          "BAD_REQUEST",
          `No flow with id "${id}", and it cannot be created with that id: use 1-100 letters, digits, "_" or "-" (not "schema")`,
        );
      const text = canonicalFlowText(input, stepRegistry);
      const now = clock.now();
      // Compared with the latest version under the flow row's lock: concurrent imports of one file
      // store it once (on PostgreSQL each compared before the others committed, and stored it again).
      const storeIt = () =>
        store.write(async (tx): Promise<{ version: number; unchanged?: true }> => {
          const existing = await tx.flows.lock(id);
          // Under the same lock as the write: two saves based on one version cannot both pass.
          assertFlowMatches(id, ifMatch, existing?.latestVersion ?? null);
          if (!existing) return { version: await tx.flows.create(id, flow.name, input, now) };
          // The same file again (a CI job importing flows/ on every run) is its latest version, not
          // a new one: same canonical bytes as the export, layout included.
          const latest = await tx.flows.version(id, existing.latestVersion);
          if (latest && canonicalFlowText(latest.definition, stepRegistry) === text)
            return { version: existing.latestVersion, unchanged: true };
          return { version: await tx.flows.addVersion(id, flow.name, input, now) };
        });
      // Another import created it meanwhile (the id's primary key refused ours): import into it.
      const stored = await storeIt().catch(async (error: unknown) => {
        if (!(error instanceof AppError) && (await store.flows.get(id))) return storeIt();
        throw error;
      });
      return {
        id,
        version: stored.version,
        name: flow.name,
        warnings: await importWarnings(input, flow),
        ...(stored.unchanged ? { unchanged: stored.unchanged } : {}),
      };
    },
    /**
     * Points the flow at a stored version (an older one: a rollback). `waitingRuns` says what
     * happens to runs waiting on other versions (publish-policy.ts); the pointer and any moved
     * runs commit in one transaction.
     */
    async publish(
      id: string,
      version?: number,
      waitingRuns: WaitingRunsPolicy = "stay",
      ifMatch?: IfMatch,
    ): Promise<{
      id: string;
      publishedVersion: number;
      previousVersion: number | null;
      waitingRuns: { policy: WaitingRunsPolicy } & MoveOutcome;
      warnings: ValidationIssue[];
    }> {
      const current = await summary(id);
      // Early, before the design check calls the org; again under the lock below.
      assertFlowMatches(id, ifMatch, current.latestVersion);
      const target = version ?? current.latestVersion;
      const stored = await store.flows.version(id, target);
      if (!stored) {
        throw new AppError(
          "NOT_FOUND",
          `Flow "${id}" has no version ${target} (latest is ${current.latestVersion})`,
        );
      }
      // A mapping the org would refuse is caught now, not at 2 a.m.; an unreachable org only warns.
      const result = await check(stored.definition);
      if (!result.valid) throw publishRefused(id, target, result.errors, result.warnings);
      const checkedAgainst = design && result.flow ? await installation() : undefined;
      const { previousVersion, ...outcome } = await store.write(async (tx) => {
        const row = ifMatch ? await tx.flows.lock(id) : undefined;
        if (row) assertFlowMatches(id, ifMatch, row.latestVersion);
        // The connections it names, again under their lock: a DELETE or rename checks for
        // published users under it, and one that committed while the check above waited on the
        // org would otherwise leave this flow published naming nothing (runs failing at the step).
        if (result.flow && checkedAgainst) {
          await tx.connections.lockChanges();
          const connections = (await tx.connections.names()).map((c) => c.name);
          const { problems } = checkInstallation(result.flow, { ...checkedAgainst, connections });
          if (problems.length > 0) throw publishRefused(id, target, problems, result.warnings);
        }
        // Read in the same transaction: a publish that committed meanwhile is the one before this.
        const published = await tx.flows.publish(id, target, clock.now());
        // Deleted since it was read above: answering 200 would say a flow that is gone is published.
        if (!published) throw new AppError("FLOW_NOT_FOUND", `No flow with id "${id}"`);
        const { previousVersion } = published;
        if (waitingRuns === "move")
          return {
            previousVersion,
            ...(await moveWaitingRuns(
              tx,
              id,
              { version: target, definition: stored.definition },
              clock.now(),
            )),
          };
        return {
          previousVersion,
          moved: 0,
          stayed: (await tx.runs.waitingOnOtherVersions(id, target)).length,
        };
      });
      return {
        id,
        publishedVersion: target,
        previousVersion,
        waitingRuns: { policy: waitingRuns, ...outcome },
        warnings: [...result.warnings, ...(await overlapsWithPublished(id, stored.definition))],
      };
    },
    /**
     * Stops the flow taking new conversations: no version is published. Runs already started go on
     * on their version (end them with POST /runs/end if they must stop); publishing again resumes.
     */
    async unpublish(
      id: string,
      ifMatch?: IfMatch,
    ): Promise<{ id: string; previousVersion: number | null; activeRuns: number }> {
      const current = await summary(id);
      assertFlowMatches(id, ifMatch, current.latestVersion);
      // A published flow that runs this one as a subflow would fail every run at that step, and
      // could not be published again: refused, as a DELETE of this flow is.
      const refuseIfCalled = (callers: string[]) => {
        if (callers.length > 0)
          throw new AppError(
            "CONFLICT",
            `Flow "${id}" runs as a subflow of published flow(s) ${callers.map((c) => `"${c}"`).join(", ")}: their runs would fail at that step. Change or unpublish them first.`,
          );
      };
      refuseIfCalled(await subflowCallers(id));
      await store.write(async (tx) => {
        const row = ifMatch ? await tx.flows.lock(id) : undefined;
        if (row) assertFlowMatches(id, ifMatch, row.latestVersion);
        // Again in the transaction: a caller published since the check above is seen.
        refuseIfCalled(await subflowCallers(id, tx.flows));
        await tx.flows.unpublish(id, clock.now());
      });
      const counts = await store.runs.countOfFlow(id);
      return {
        id,
        previousVersion: current.publishedVersion,
        activeRuns: (counts.waiting ?? 0) + (counts.running ?? 0),
      };
    },
    /**
     * Deletes a flow that nothing uses: not published, no run in its history (runs are pruned
     * after the retention age), no published flow running it as a subflow, no active run inside it
     * as a subflow.
     */
    async remove(id: string, ifMatch?: IfMatch): Promise<void> {
      const current = await summary(id);
      assertFlowMatches(id, ifMatch, current.latestVersion);
      const published = (version: number) =>
        new AppError(
          "CONFLICT",
          `Flow "${id}" is published (version ${version}): unpublish it first (POST /api/v1/flows/${id}/unpublish).`,
        );
      if (current.publishedVersion !== null) throw published(current.publishedVersion);
      const counts = await store.runs.countOfFlow(id);
      const runs = Object.values(counts).reduce((a, b) => a + b, 0);
      if (runs > 0)
        throw new AppError(
          "CONFLICT",
          `Flow "${id}" has ${runs} run(s) in its history (${Object.entries(counts)
            .map(([status, n]) => `${n} ${status}`)
            .join(
              ", ",
            )}): its runs keep their flow. End the active ones (POST /api/v1/runs/end with flowId); finished runs go after the retention age (TERN_RETENTION_DAYS).`,
        );
      const callers = await subflowCallers(id);
      if (callers.length > 0)
        throw new AppError(
          "CONFLICT",
          `Flow "${id}" runs as a subflow of published flow(s) ${callers.map((c) => `"${c}"`).join(", ")}: change or unpublish them first.`,
        );
      // An unpublished caller's started runs finish on their version, inside this flow too.
      const inside = await store.runs.activeInSubflow(await anyVersionCallers(id), id);
      if (inside.length > 0)
        throw new AppError(
          "CONFLICT",
          `Flow "${id}" is running as a subflow in ${inside.length} active run(s) of flow(s) ${[...new Set(inside.map((r) => `"${r.flowId}"`))].join(", ")}: they finish on the version they entered. End them (POST /api/v1/runs/end with flowId) or let them finish.`,
        );
      await store.write(async (tx) => {
        // Checked again under the row's lock: a publish that committed since the check above
        // keeps its flow (409), as one that commits after this finds it gone (404).
        const row = await tx.flows.lock(id);
        if (!row) throw new AppError("FLOW_NOT_FOUND", `No flow with id "${id}"`);
        assertFlowMatches(id, ifMatch, row.latestVersion);
        if (row.publishedVersion !== null) throw published(row.publishedVersion);
        await tx.flows.remove(id, clock.now());
      });
      // Versions are immutable; an id imported again numbers on from its last (deleted_flows).
      for (const key of cache.keys()) if (key.startsWith(`${id}@`)) cache.delete(key);
    },
    /** Every stored version, newest first, marking the published one (rows as before, plus the marks). */
    async versions(id: string) {
      const s = await summary(id);
      const rows = await store.flows.versions(id);
      return (
        rows
          // Times in ms since epoch, like GET /flows; `publishedAt` is when it was last published.
          .map((v) => ({
            ...v,
            isPublished: v.version === s.publishedVersion,
            isLatest: v.version === s.latestVersion,
          }))
          .reverse()
      );
    },
    /** What changed from one stored version to another (flows/versions/diff.ts). */
    async diff(id: string, from: number, to: number) {
      const s = await summary(id);
      const [a, b] = await Promise.all([store.flows.version(id, from), store.flows.version(id, to)]);
      const missing = !a ? from : !b ? to : null;
      if (missing !== null || !a || !b)
        throw new AppError(
          "NOT_FOUND",
          `Flow "${id}" has no version ${missing} (versions 1 to ${s.latestVersion})`,
        );
      return { id, from, to, ...diffFlows(a.definition, b.definition) };
    },
    /** The flow file as exported: canonical bytes (same flow → same text). */
    async exportText(id: string, version?: number): Promise<string> {
      return canonicalFlowText(await definition(id, version), stepRegistry);
    },
    async get(id: string) {
      const s = await summary(id);
      const latest = await store.flows.version(id, s.latestVersion);
      return { ...s, definition: latest?.definition };
    },
    definition,
    load,
  };
}
export type FlowService = ReturnType<typeof createFlowService>;

/**
 * What a flow id chosen on import may look like (generated ids are `flow_…`). Not "schema":
 * GET /flows/schema answers the JSON Schema, so that flow could never be read (nor edited).
 */
const isFlowId = (id: string) => /^[A-Za-z0-9_-]{1,100}$/.test(id) && id !== "schema";

function publishRefused(
  id: string,
  version: number,
  errors: ValidationIssue[],
  warnings: ValidationIssue[],
): AppError {
  const listed = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  return new AppError(
    "FLOW_INVALID",
    // The version is stored whatever the outcome: "import it again" would make a second flow.
    `Flow "${id}" version ${version} cannot be published; fix ${errors.length} problem(s), then publish it again (tern flows publish ${id}; a changed file: tern flows import <file> --id ${id} --publish): ${listed}`,
    {
      details: {
        errors,
        warnings,
        fields: [...new Set(errors.flatMap((e) => (e.field ? [e.field] : [])))],
      },
    },
  );
}

/** What this installation has, for the checks that a flow names things that exist. */
async function readInstallation(store: Store, simulated: readonly string[]): Promise<Installation> {
  const [channels, connections, flows] = await Promise.all([
    store.channels.list(),
    store.connections.list(),
    store.flows.list(),
  ]);
  return {
    knownChannelTypes: Object.keys(channelTypes),
    channelTypes: [...new Set([...channels.map((c) => c.type), ...simulated])],
    channels: channels.map(({ id, name, type, owner }) => ({ id, name, type, owner })),
    connections: connections.map((c) => c.name),
    connectionTypes: new Map(connections.map((c) => [c.name, c.type])),
    flows: flows.map((f) => ({ id: f.id, isPublished: f.publishedVersion !== null })),
  };
}
