import type { SecretBox } from "../../core/secrets.js";
import type { Db, Executor } from "../db.js";
import { createConnectionHealthRepo } from "./connection-health-repo.js";
import { createContactRepo } from "./contact-repo.js";
import { createDeliveryStatusRepo } from "./delivery-statuses.js";
import { createEffectRepo } from "./effect-repo.js";
import { createFlowRepo } from "./flow-repo.js";
import { createInboxRepo } from "./inbox-repo.js";
import { createIntegrationRepo } from "./integration-repo.js";
import { createJobRepo } from "./job-repo.js";
import { createOAuthStateRepo } from "./oauth-state-repo.js";
import { createRejectedEventRepo } from "./rejected-event-repo.js";
import { createRetentionRepo } from "./retention-repo.js";
import { createRunOperations } from "./run-operations.js";
import { createRunRepo } from "./run-repo.js";
import { createSandboxRepo } from "./sandbox-repo.js";
import { createSchemaRepo } from "./schema-repo.js";
import { createSessionRepo } from "./session-repo.js";
import { createTokenRepo } from "./token-repo.js";
import { createTriggerRepo } from "./trigger-repo.js";
import { createTurnRepo } from "./turn-repo.js";

/** How each repository is made for an executor (the database's, or one write's transaction). */
const factories = {
  connections: (exec: Executor, box: SecretBox) => createIntegrationRepo(exec, box, "connections"),
  channels: (exec: Executor, box: SecretBox) => createIntegrationRepo(exec, box, "channels"),
  tokens: (exec: Executor, box: SecretBox, db: Db) => createTokenRepo(exec, box, db),
  oauthStates: (exec: Executor, box: SecretBox) => createOAuthStateRepo(exec, box),
  connectionHealth: (exec: Executor, _box: SecretBox, db: Db) => createConnectionHealthRepo(exec, db),
  flows: createFlowRepo,
  inbox: createInboxRepo,
  statuses: createDeliveryStatusRepo,
  rejectedEvents: createRejectedEventRepo,
  contacts: createContactRepo,
  runs: createRunRepo,
  runOps: createRunOperations,
  effects: createEffectRepo,
  retention: createRetentionRepo,
  sandbox: createSandboxRepo,
  jobs: createJobRepo,
  turns: createTurnRepo,
  triggers: createTriggerRepo,
  sessions: createSessionRepo,
  schema: createSchemaRepo,
} satisfies Record<string, (exec: Executor, box: SecretBox, db: Db) => unknown>;

type Factories = typeof factories;
/** Every repository, bound to one executor. */
export type Repos = { readonly [K in keyof Factories]: ReturnType<Factories[K]> };

/**
 * Every repository, bound to one executor: the database (the store's own set) or a write's
 * transaction (the set a `store.write` callback gets). `db` is for the few methods that open a
 * write of their own (`tokens.set`).
 */
export function createRepos(exec: Executor, box: SecretBox, db: Db): Repos {
  return Object.fromEntries(
    Object.entries(factories).map(([key, make]) => [key, make(exec, box, db)]),
  ) as unknown as Repos;
}

/**
 * The same set, each repository made on first use. A PostgreSQL write gets a set per transaction
 * and uses one or two of its eighteen repositories: making all of them for every webhook was a
 * measurable share of the ingest's CPU and garbage.
 */
export function createLazyRepos(exec: Executor, box: SecretBox, db: Db): Repos {
  return new LazyRepos(exec, box, db) as unknown as Repos;
}

const lazyState = Symbol("lazy repos");
type LazyStateOf = {
  exec: Executor;
  box: SecretBox;
  db: Db;
  made: Partial<Record<keyof Factories, unknown>>;
};

/**
 * The repositories are getters on the prototype, shared by every set: an object with eighteen
 * accessors of its own (`Object.defineProperties`) took 6.5 µs to make, 0.1 µs this way, and a
 * webhook's write on PostgreSQL makes one (1.6 % of `serve --no-worker`'s CPU at its max). Not
 * own properties, so a spread copy has none: wrap a set with `Object.create(tx)` instead.
 */
class LazyRepos {
  readonly [lazyState]: LazyStateOf;
  constructor(exec: Executor, box: SecretBox, db: Db) {
    this[lazyState] = { exec, box, db, made: {} };
  }
}
for (const key of Object.keys(factories) as Array<keyof Factories>) {
  Object.defineProperty(LazyRepos.prototype, key, {
    enumerable: true,
    get(this: LazyRepos) {
      const state = this[lazyState];
      if (!(key in state.made)) state.made[key] = factories[key](state.exec, state.box, state.db);
      return state.made[key];
    },
  });
}
