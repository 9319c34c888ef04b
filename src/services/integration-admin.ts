import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import type { StoredToken } from "../connectors/connector.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { entityTag, type IfMatch, ifMatchHolds, weakOnlyTag, weakTagRefused } from "../core/entity-tags.js";
import { newId } from "../core/ids.js";
import type { BuiltInSandbox } from "../sandbox/bootstrap.js";
import type {
  IntegrationRecord,
  IntegrationRepo,
  PublicIntegration,
} from "../store/repos/integration-repo.js";
import type { Repos, Store } from "../store/store.js";
import { assertConnectionUnused } from "./connection-users.js";
import type { Integrations } from "./integrations.js";

/**
 * Create/update/delete for connections and channels: the config is validated by the
 * integration's own schema (422 with a path per problem), secrets are sealed by the repo and
 * never returned, and every change invalidates the resolved-integration cache.
 *
 * Creating one is also how the built-in sandbox steps aside: the same write retires every row it
 * owns (so its `salesforce` name is free and its flow can answer no one), then its emulators stop.
 */
interface Definition {
  type: string;
  title?: string;
  config: z.ZodType;
  secretFields: ReadonlyArray<string>;
  /** A connection's keys that leave its stored tokens valid when changed (connector.ts). */
  settingsFields?: ReadonlyArray<string>;
  /** The provider account a channel's config owns (WhatsApp: phoneNumberId), when its deliveries name it. */
  account?(config: never): string;
}

/** A config key other than the connector's settings differs: the stored tokens may belong to someone else. */
function changesCredentials(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  settings: ReadonlyArray<string> = [],
): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of settings) keys.delete(key);
  return [...keys].some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** The same values as stored (JSON drops undefined keys), whatever order a parse put the keys in. */
const sameValues = (a: unknown, b: unknown) => isDeepStrictEqual(JSON.parse(JSON.stringify(a)), b);

/** A name as a person reads it: compatibility forms (full-width letters) and case folded. */
const foldName = (name: string) => name.normalize("NFKC").toLowerCase();

/** A setting that says where requests go, and so where the secrets go with them. */
const isEndpoint = (key: string) => /url$/i.test(key);

/**
 * Keys of `given` that the type's schema dropped: a typo (`access_token` for `accessToken`)
 * answered 200 and changed nothing, so an admin believed a token rotated that was not.
 */
function unknownKeys(given: Record<string, unknown>, parsed: Record<string, unknown>): string[] {
  return Object.keys(given).filter((key) => given[key] !== undefined && !(key in parsed));
}

/**
 * Secrets stay write-only only if they cannot be sent elsewhere: a PATCH that moved `apiBaseUrl`
 * (or `baseUrl`, `loginUrl`…) kept them, and the next send carried the stored token to the new
 * host (an outside audit received `Authorization: Bearer <token>` on its own listener). Moving an
 * endpoint therefore needs the secrets again, in the same request.
 */
function secretsNotResent(
  secretFields: ReadonlyArray<string>,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): { moved: string[]; missing: string[] } {
  const moved = Object.keys(patch).filter(
    (key) =>
      isEndpoint(key) &&
      !secretFields.includes(key) &&
      JSON.stringify(patch[key]) !== JSON.stringify(current[key]),
  );
  const missing =
    moved.length === 0
      ? []
      : secretFields.filter((f) => current[f] !== undefined && current[f] !== "" && patch[f] === undefined);
  return { moved, missing };
}

/**
 * 412 unless the If-Match (if any) names the row as stored now. Called under the table's lock
 * (`lockChanges`) by whatever then changes the row, so a change committed since cannot slip in.
 */
export function assertIntegrationMatches(
  kind: "connection" | "channel",
  current: IntegrationRecord,
  ifMatch: IfMatch | undefined,
): void {
  if (!ifMatch) return;
  // A digest of the row: computed once.
  const etag = integrationEtag(current);
  if (ifMatchHolds(ifMatch, etag)) return;
  const details = { etag, updatedAt: current.updatedAt };
  const weak = weakOnlyTag(ifMatch, etag);
  if (weak) throw new AppError("PRECONDITION_FAILED", weakTagRefused(weak, etag), { details });
  throw new AppError(
    "PRECONDITION_FAILED",
    `The ${kind} "${current.name}" was changed since this edit read it (its ETag is ${etag} now, If-Match said ${ifMatch.any ? "*" : ifMatch.tags.join(", ")}). Nothing was changed. Reload it to see the change, then edit again; or send the change without If-Match to overwrite.`,
    { details },
  );
}

export function createIntegrationAdmin(options: {
  store: Store;
  integrations: Integrations;
  clock: Clock;
  kind: "connection" | "channel";
  definition(type: string): Definition | undefined;
  idPrefix: string;
  /** The built-in sandbox, while it runs in this process. */
  sandbox?: () => BuiltInSandbox | null;
}) {
  const { store, clock, kind } = options;
  /** This kind's repository in a set: the store's, or a write's. */
  const repoOf = (repos: Repos): IntegrationRepo =>
    kind === "connection" ? repos.connections : repos.channels;
  const repo = repoOf(store);
  const notFoundCode = kind === "connection" ? "CONNECTION_NOT_FOUND" : "CHANNEL_NOT_FOUND";

  const definitionOf = (type: string): Definition => {
    const def = options.definition(type);
    if (!def) {
      throw new AppError("VALIDATION_FAILED", `Unknown ${kind} type "${type}"`, {
        details: { errors: [{ path: "$.type", message: `unknown ${kind} type "${type}"` }] },
      });
    }
    return def;
  };

  const parseConfig = (def: Definition, config: unknown): Record<string, unknown> => {
    const parsed = def.config.safeParse(config);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        path: `$.config${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`,
        message: i.message,
      }));
      throw new AppError(
        "VALIDATION_FAILED",
        `Invalid ${def.type} config: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        {
          details: { errors },
        },
      );
    }
    return parsed.data as Record<string, unknown>;
  };

  const refuse = (message: string, errors: Array<{ path: string; message: string }>): never => {
    throw new AppError("VALIDATION_FAILED", message, { details: { errors } });
  };

  const assertKnownKeys = (def: Definition, given: unknown, parsed: Record<string, unknown>) => {
    if (typeof given !== "object" || given === null) return;
    const unknown = unknownKeys(given as Record<string, unknown>, parsed);
    if (unknown.length === 0) return;
    const known = Object.keys(parsed).join(", ");
    refuse(
      `Invalid ${def.type} config: ${unknown.map((k) => `$.config.${k}`).join(", ")}: not a setting of a ${def.type} ${kind} (check the spelling; its settings include ${known})`,
      unknown.map((k) => ({ path: `$.config.${k}`, message: `not a setting of a ${def.type} ${kind}` })),
    );
  };

  /** `repos`: the write's own set when checked inside one. */
  const assertNameFree = async (name: string, exceptId?: string, repos: IntegrationRepo = repo) => {
    // Unique as a person reads them: "WA-main" or a full-width "ｗａ-main" beside "wa-main" would
    // be two channels that look like one. Names only: nothing is decrypted.
    const folded = foldName(name);
    const clash = (await repos.names()).find((r) => r.id !== exceptId && foldName(r.name) === folded);
    if (clash)
      throw new AppError(
        "CONFLICT",
        `A ${kind} named "${clash.name}" already exists (${clash.id})${clash.name === name ? "" : `: "${name}" reads the same`}`,
      );
  };

  /**
   * One provider account, one channel: deliveries are routed by the account they name (one Meta
   * app posts every number and Page to one URL), so two channels owning one would each answer
   * depending on the URL Meta was given. The sandbox's rows are retired, not clashes.
   */
  const assertAccountFree = async (
    def: Definition,
    config: Record<string, unknown>,
    exceptId: string | undefined,
    repos: IntegrationRepo = repo,
  ) => {
    if (!def.account) return;
    const account = def.account(config as never);
    const clash = (await repos.list()).find(
      (r) =>
        r.type === def.type &&
        r.id !== exceptId &&
        r.owner !== "sandbox" &&
        def.account?.(r.config as never) === account,
    );
    if (clash) {
      throw new AppError(
        "CONFLICT",
        `The ${def.title ?? def.type} ${kind} "${clash.name}" (${clash.id}) already has account ${account}: change that one, or delete it first (one account has one ${kind}: its deliveries name the account or come to one webhook)`,
      );
    }
  };

  const assertUserOwned = (record: IntegrationRecord) => {
    // The sandbox re-points its rows at its emulators on every start: edits would not last.
    if (record.owner === "sandbox") {
      throw new AppError(
        "CONFLICT",
        `The ${kind} "${record.name}" belongs to the built-in sandbox; create your own with POST /api/v1/${kind}s and the sandbox steps aside (its name is then free)`,
      );
    }
  };

  const assertMatches = (current: IntegrationRecord, ifMatch: IfMatch | undefined) =>
    assertIntegrationMatches(kind, current, ifMatch);

  return {
    toPublic(record: IntegrationRecord): PublicIntegration {
      return repo.toPublic(record, definitionOf(record.type).secretFields);
    },
    /** The record; with `ifMatch` (If-Match), 412 unless it is still as the client read it. */
    async get(id: string, ifMatch?: IfMatch): Promise<IntegrationRecord> {
      const record = await repo.get(id);
      if (!record) throw new AppError(notFoundCode, `No ${kind} with id "${id}"`);
      assertMatches(record, ifMatch);
      return record;
    },
    async create(input: { type: string; name: string; config: unknown }): Promise<IntegrationRecord> {
      const def = definitionOf(input.type);
      const config = parseConfig(def, input.config);
      assertKnownKeys(def, input.config, config);
      const now = clock.now();
      const record: Omit<IntegrationRecord, "revision"> = {
        id: newId(options.idPrefix, now),
        type: def.type,
        name: input.name,
        config,
        owner: "user",
        createdAt: now,
        updatedAt: now,
      };
      const revision = await store.write(async (tx) => {
        // Inside the write: no other write can slip between the check, the retirement and the insert.
        const txRepo = repoOf(tx);
        await txRepo.lockChanges();
        await tx.sandbox.retire(now);
        await tx.sandbox.markSteppedAside(now);
        await assertNameFree(input.name, undefined, txRepo);
        await assertAccountFree(def, config, undefined, txRepo);
        return txRepo.insert(record, def.secretFields);
      });
      options.integrations.invalidate();
      await options.sandbox?.()?.stepAside();
      return { ...record, revision };
    },
    /**
     * Merges the given config over the stored one, so secrets can be left out to keep them. Read,
     * checked and written in one write under the table's lock: two admins' PATCHes at once both
     * last (each merges over the other's commit), and a PATCH after a DELETE is a 404. With
     * `ifMatch` (If-Match), only while the row is still as the editor read it: under the same
     * lock, so two PATCHes based on one read cannot both pass.
     */
    async update(
      id: string,
      patch: { name?: string; config?: Record<string, unknown> },
      ifMatch?: IfMatch,
    ): Promise<IntegrationRecord> {
      const record = await store.write(async (tx) => {
        const txRepo = repoOf(tx);
        await txRepo.lockChanges();
        const current = await txRepo.get(id);
        if (!current) throw new AppError(notFoundCode, `No ${kind} with id "${id}"`);
        assertMatches(current, ifMatch);
        assertUserOwned(current);
        const def = definitionOf(current.type);
        const config = patch.config
          ? parseConfig(def, { ...current.config, ...patch.config })
          : current.config;
        if (patch.config) {
          assertKnownKeys(def, patch.config, config);
          const { moved, missing } = secretsNotResent(def.secretFields, current.config, patch.config);
          if (missing.length > 0)
            refuse(
              `Changing ${moved.join(", ")} would send the secrets saved with this ${kind} to another address: send ${missing.join(", ")} again in the same request (secrets are write-only)`,
              missing.map((f) => ({
                path: `$.config.${f}`,
                message: `required when ${moved.join(", ")} changes`,
              })),
            );
        }
        if (patch.name) await assertNameFree(patch.name, id, txRepo);
        // Flows name their connection: renamed under a published flow, its runs failed at the step.
        if (kind === "connection" && patch.name && patch.name !== current.name) {
          await assertConnectionUnused(tx, current.name, "rename");
        }
        if (patch.config) await assertAccountFree(def, config, id, txRepo);
        // Nothing changes (`{}`, the same name or values again): nothing is stored, so the ETag
        // stays and other editors' If-Match still holds.
        if ((patch.name ?? current.name) === current.name && sameValues(config, current.config))
          return current;
        const next = { ...current, name: patch.name ?? current.name, config, updatedAt: clock.now() };
        next.revision = await txRepo.update(next, def.secretFields);
        // Tokens were issued for the old credentials (maybe another org): fetch new ones. Only
        // then: the token row may hold a rotated refresh token, the only live one (its
        // predecessor in the config is dead, and reusing it revokes the family).
        if (kind === "connection" && changesCredentials(current.config, config, def.settingsFields))
          await tx.tokens.clear(id);
        // New credentials: a "reconnect required" or a pause was about the old ones.
        if (kind === "connection" && patch.config) await tx.connectionHealth.clear(id);
        return next;
      });
      options.integrations.invalidate();
      return record;
    },
    /**
     * A channel's waiting and running runs end with it (`CHANNEL_DELETED`): none can send another
     * message, and left alone they waited for a reply that could not come until their timeout or
     * `TERN_MAX_WAIT` (30 days), listed as waiting, then failed `CHANNEL_NOT_FOUND`. With
     * `ifMatch` (If-Match), only while the row is still as the client read it, checked under the
     * lock: a DELETE based on a stale read must not remove what someone changed since (RFC 9110
     * §13.1.1 says a server evaluates an If-Match it receives before the method). Returns the row
     * as deleted, with a connection's stored token.
     */
    async remove(
      id: string,
      ifMatch?: IfMatch,
    ): Promise<{ record: IntegrationRecord; token: StoredToken | null }> {
      const removed = await store.write(async (tx) => {
        await repoOf(tx).lockChanges();
        const current = await repoOf(tx).get(id);
        if (!current) return null;
        assertMatches(current, ifMatch);
        if (kind === "connection") await assertConnectionUnused(tx, current.name, "delete");
        // Read before the delete takes it (cascade): a connection's token is revoked once the
        // delete has committed (routes/connections.ts), never for a DELETE refused here.
        const token = kind === "connection" ? await tx.tokens.get(id).catch(() => null) : null;
        if (!(await repoOf(tx).remove(id))) return null;
        if (kind === "channel") {
          const reason = {
            code: "CHANNEL_DELETED",
            message: `The channel "${current.name}" (${id}) was deleted; its conversations ended here.`,
            at: clock.now(),
          };
          await tx.runOps.endMany({ channelId: id }, Number.MAX_SAFE_INTEGER, reason);
        }
        return { record: current, token };
      });
      // Another request deleted it meanwhile: that one answered 204.
      if (!removed) throw new AppError(notFoundCode, `No ${kind} with id "${id}"`);
      options.integrations.invalidate();
      return removed;
    },
  };
}
/** A channel's or connection's ETag: its row's revision (integration-repo.ts), quoted. */
export const integrationEtag = (record: Pick<IntegrationRecord, "revision">): string =>
  entityTag(record.revision);

export type IntegrationAdmin = ReturnType<typeof createIntegrationAdmin>;
