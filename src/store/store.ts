import type { SecretBox } from "../core/secrets.js";
import { createContactRepo } from "./repos/contact-repo.js";
import { createEffectRepo } from "./repos/effect-repo.js";
import { createFlowRepo } from "./repos/flow-repo.js";
import { createInboxRepo } from "./repos/inbox-repo.js";
import { createIntegrationRepo } from "./repos/integration-repo.js";
import { createRejectedEventRepo } from "./repos/rejected-event-repo.js";
import { createRetentionRepo } from "./repos/retention-repo.js";
import { createRunRepo } from "./repos/run-repo.js";
import { createTokenRepo } from "./repos/token-repo.js";
import { openSqlite } from "./sqlite.js";

/** Opens the embedded database and wires every repository to it. */
export function openStore(options: {
  path: string;
  box: SecretBox;
  synchronous?: "FULL" | "NORMAL";
  autoVacuum?: "incremental" | "none";
}) {
  const db = openSqlite({
    path: options.path,
    synchronous: options.synchronous,
    autoVacuum: options.autoVacuum,
  });
  return {
    db,
    write: db.write,
    connections: createIntegrationRepo(db, options.box, "connections"),
    channels: createIntegrationRepo(db, options.box, "channels"),
    tokens: createTokenRepo(db, options.box),
    flows: createFlowRepo(db),
    inbox: createInboxRepo(db),
    rejectedEvents: createRejectedEventRepo(db),
    contacts: createContactRepo(db),
    runs: createRunRepo(db),
    effects: createEffectRepo(db),
    retention: createRetentionRepo(db),
    /** Throws when the database does not answer (`/readyz`). */
    ping: (): void => {
      db.db.prepare("SELECT 1").get();
    },
    close: () => db.close(),
  };
}
export type Store = ReturnType<typeof openStore>;
