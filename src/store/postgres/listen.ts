import pg from "pg";
import type { PostgresLog } from "./open.js";

/** Between attempts to connect the listening client again after it was lost. */
const RECONNECT_MS = 1_000;

/**
 * A client of its own (outside the pool) that LISTENs on `channel` and calls `onNotify("notify")`
 * for each NOTIFY; lost (a server restart, `pg_terminate_backend`), it connects again every second
 * and calls `onNotify("reconnected")` once back, for what it may have missed. Returns how to stop.
 * Pool clients cannot listen: a LISTEN ends with the connection's checkout.
 */
export function listenFor(
  options: { url: string; applicationName: string; log: PostgresLog },
  channel: string,
  onNotify: (event: "notify" | "reconnected") => void,
): () => Promise<void> {
  let client: pg.Client | null = null;
  let isStopped = false;
  let retry: NodeJS.Timeout | undefined;
  let hasConnected = false;
  let isListening = false;

  const connect = async (): Promise<void> => {
    if (isStopped) return;
    const c = new pg.Client({ connectionString: options.url, application_name: options.applicationName });
    client = c;
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = null;
      c.end().catch(() => {});
      if (isStopped) return;
      // Once per outage: the attempts that fail while the server is away say nothing more.
      if (err && isListening)
        options.log.error({ err }, `PostgreSQL LISTEN ${channel} connection lost; connecting again`);
      isListening = false;
      retry = setTimeout(() => void connect(), RECONNECT_MS);
      retry.unref();
    };
    // Without an 'error' listener a dropped connection is an uncaught exception (pool-guard.ts).
    // pg attaches the whole client to its errors: only the message goes to the log.
    c.on("error", (error: Error) => lost(new Error(error.message)));
    c.on("end", () => lost());
    c.on("notification", (n) => {
      if (n.channel === channel) onNotify("notify");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (isStopped) {
        await c.end().catch(() => {});
        return;
      }
      if (hasConnected) onNotify("reconnected");
      hasConnected = true;
      isListening = true;
    } catch (err) {
      lost(err as Error);
    }
  };
  void connect();

  return async () => {
    isStopped = true;
    clearTimeout(retry);
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}
