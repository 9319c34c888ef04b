import { createInterface } from "node:readline";
import { systemClock } from "../../dist/src/core/clock.js";
import { createHttpFetch } from "../../dist/src/core/http-fetch.js";
import { createSecretBox, parseSecretKey } from "../../dist/src/core/secrets.js";
import { createIntegrations } from "../../dist/src/services/integrations.js";
import { openPostgresStore } from "../../dist/src/store/store.js";

// Plain JavaScript on the built modules (`npm test` builds first): twenty processes start in a
// second or two, where twenty TypeScript loaders took minutes on a small machine.
/**
 * One Tern process's Salesforce side, for the cross-process token test: it opens the store on
 * DATABASE_URL with TERN_SECRET_KEY, resolves the "salesforce" connection as the worker does,
 * says "ready", and on "go" (stdin) creates one Lead, printing the outcome as one JSON line.
 */
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const store = await openPostgresStore({
  url: process.env.DATABASE_URL,
  box: createSecretBox(parseSecretKey(process.env.TERN_SECRET_KEY)),
  poolSize: 2,
});
const integrations = createIntegrations(store, { fetch: createHttpFetch(), clock: systemClock, log: silent });
const connection = await integrations.connection("salesforce");
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  try {
    const result = await connection.runtime.actions.create?.run(
      { object: "Lead", fields: { LastName: `Process ${process.pid}`, Company: "Token test" } },
      connection.config,
      { connectionId: connection.id, intentAt: Date.now(), key: `token-test:${process.pid}` },
    );
    process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error) })}\n`);
  }
  break;
}
lines.close();
await store.close();
