import type { SecretBox } from "../../core/secrets.js";
import type { Db, Executor } from "../db.js";
import { createConnectionHealthRepo } from "./connection-health-repo.js";
import { createContactRepo } from "./contact-repo.js";
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
import { createSessionRepo } from "./session-repo.js";
import { createTokenRepo } from "./token-repo.js";
import { createTriggerRepo } from "./trigger-repo.js";
import { createTurnRepo } from "./turn-repo.js";

/**
 * Every repository, bound to one executor: the database (the store's own set) or a write's
 * transaction (the set a `store.write` callback gets). `db` is for the few methods that open a
 * write of their own (`tokens.set`).
 */
export function createRepos(exec: Executor, box: SecretBox, db: Db) {
  return {
    connections: createIntegrationRepo(exec, box, "connections"),
    channels: createIntegrationRepo(exec, box, "channels"),
    tokens: createTokenRepo(exec, box, db),
    oauthStates: createOAuthStateRepo(exec, box),
    connectionHealth: createConnectionHealthRepo(exec, db),
    flows: createFlowRepo(exec),
    inbox: createInboxRepo(exec),
    rejectedEvents: createRejectedEventRepo(exec),
    contacts: createContactRepo(exec),
    runs: createRunRepo(exec),
    runOps: createRunOperations(exec),
    effects: createEffectRepo(exec),
    retention: createRetentionRepo(exec),
    sandbox: createSandboxRepo(exec),
    jobs: createJobRepo(exec),
    turns: createTurnRepo(exec),
    triggers: createTriggerRepo(exec),
    sessions: createSessionRepo(exec),
  };
}
export type Repos = ReturnType<typeof createRepos>;
