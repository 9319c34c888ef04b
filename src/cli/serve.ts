import type { Command } from "commander";
import type { Logger } from "pino";
import { type Config, loadConfig } from "../config.js";
import { unknownVariableWarnings } from "../config-typos.js";
import { redactUrl } from "../core/redact-url.js";
import { shutdownStepInProgress } from "../core/shutdown.js";
import { publicUrlWarning } from "../public-url-warning.js";
import { installProcessGuard } from "../server/process-guard.js";
import { keepRunningOnClosedPipe } from "./closed-pipe.js";
import { explainStartError } from "./start-errors.js";

/**
 * Longest a shutdown may take before the process exits anyway: the job runner's 10 s grace, then
 * handing back and closing, which wait on a database that may not answer.
 */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * On SIGINT, SIGTERM or SIGHUP: close, then exit 0, or 1 when a step of the close failed (each is
 * logged) or the deadline passed. A second signal ends the process at once (the default action).
 * SIGHUP (the terminal or SSH session that started it closed) ended it on the spot before, turns
 * and sends cut mid-way, with nothing logged. Listening starts before the process starts: a
 * signal that arrives meanwhile (`docker stop` during a start) stops it once it has started,
 * where it took the default action too.
 */
function stopOnSignal(message: string): { started(logger: Logger, close: () => Promise<void>): void } {
  let received: NodeJS.Signals | null = null;
  let stop: ((signal: NodeJS.Signals) => void) | null = null;
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    // Any second signal, of whichever kind, takes the default action.
    for (const s of signals) process.removeListener(s, onSignal);
    if (stop) return stop(signal);
    received = signal;
    // A start that never ends (a database that does not answer) must not keep the process.
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    started(logger, close) {
      stop = (signal) => {
        logger.info({ signal }, message);
        setTimeout(() => {
          const step = shutdownStepInProgress();
          logger.error(
            { deadlineMs: SHUTDOWN_DEADLINE_MS, step },
            "shutdown did not finish in time; exiting",
          );
          process.exit(1);
        }, SHUTDOWN_DEADLINE_MS).unref();
        close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      if (received) stop(received);
    },
  };
}

/**
 * The server (most of a second to load) is imported by the commands that run it: `tern --version`,
 * `--help` and the admin commands start at once.
 */
const main = () => import("../main.js");

/** The configuration, after a word on each TERN_* variable Tern does not read (a misspelt name). */
function configFromEnv(): Config {
  // First: a start refused for another setting names the misspelling in the same go.
  for (const line of unknownVariableWarnings(process.env)) process.stderr.write(`${line}\n`);
  return loadConfig();
}

/** A start that failed, said in terms of the setting to fix (start-errors.ts). */
function explained<T>(starting: Promise<T>, config: Config): Promise<T> {
  return starting.catch((error: unknown) => {
    throw explainStartError(error, config);
  });
}

/**
 * Where the start banner points for the API docs: nowhere when TERN_API_DOCS=off (the banner sent
 * people to a 404), and saying the token is needed when it is.
 */
export function apiDocsHint(url: string, mode: Config["TERN_API_DOCS"]): string {
  if (mode === "off") return "";
  return `   (docs: ${url}/api/docs${mode === "token" ? ", with the admin token" : ""})`;
}

export function registerServeCommands(program: Command): void {
  program
    .command("serve")
    .description(
      "Serve webhooks, the admin API and run flows (on DATABASE_URL's PostgreSQL when set, else SQLite under TERN_DATA_DIR)",
    )
    .option("--no-worker", "only accept and store webhooks; run nothing until started with the worker")
    .action(async (opts: { worker: boolean }) => {
      const config = configFromEnv();
      // `serve` only: the process whose address providers are given (worker and migrate serve none).
      const insecure = publicUrlWarning(config.TERN_PUBLIC_URL);
      if (insecure) process.stderr.write(`${insecure}\n`);
      keepRunningOnClosedPipe();
      const signals = stopOnSignal("shutting down");
      const { startTern } = await main();
      const tern = await explained(startTern({ config, runWorker: opts.worker }), config);
      installProcessGuard(tern);
      const { dataDir } = tern;
      // Off for good since it stepped aside (bootstrap.ts): say so, or a user who deleted their
      // integrations would look for it in vain.
      const steppedAsideAt =
        !tern.sandbox && config.TERN_SANDBOX === "auto" && !(await tern.store.sandbox.hasUserIntegrations())
          ? await tern.store.sandbox.steppedAsideAt()
          : null;
      const tokenWhere =
        dataDir.adminTokenSource === "env" ? "from TERN_ADMIN_TOKEN" : `in ${dataDir.adminTokenPath}`;
      process.stdout.write(
        [
          `Tern is listening on ${tern.url}`,
          `  browser UI:  ${tern.url}/   (sign in with the admin token${config.TERN_ADMIN_USER ? " or TERN_ADMIN_USER and its password" : ""})`,
          `  admin API:   ${tern.url}/api/v1${apiDocsHint(tern.url, config.TERN_API_DOCS)}`,
          `  admin token: ${tokenWhere}${dataDir.adminTokenSource === "generated" ? " (generated now)" : ""}`,
          config.DATABASE_URL
            ? `  database:    ${redactUrl(config.DATABASE_URL)} (PostgreSQL)`
            : `  data:        ${dataDir.databasePath}`,
          ...(tern.sandbox ? tern.sandbox.describe(tern.url) : []),
          ...(steppedAsideAt !== null
            ? [
                `  sandbox:     off since ${new Date(steppedAsideAt).toISOString()}, when it stepped aside for a channel or connection of yours; TERN_SANDBOX=on brings it back`,
              ]
            : []),
          "",
        ].join("\n"),
      );
      signals.started(tern.logger, () => tern.close());
    });

  program
    .command("worker")
    .description(
      "Run flows from the job queue (PostgreSQL: DATABASE_URL); serves no HTTP. Run as many as you need",
    )
    .option(
      "--concurrency <n>",
      "conversations this process advances at once (default TERN_WORKER_CONCURRENCY)",
    )
    .action(async (opts: { concurrency?: string }) => {
      const config = configFromEnv();
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (
        concurrency !== undefined &&
        // Decimal digits only: Number() took "1e3" and "0x10".
        !(/^\d{1,5}$/.test(opts.concurrency ?? "") && concurrency >= 1 && concurrency <= 10_000)
      ) {
        throw new Error("--concurrency must be a whole number from 1 to 10000");
      }
      keepRunningOnClosedPipe();
      const signals = stopOnSignal("shutting down: finishing or handing back jobs");
      const { startTernWorker } = await main();
      const worker = await explained(startTernWorker({ config, concurrency }), config);
      installProcessGuard(worker);
      process.stdout.write(
        `Tern worker is running (concurrency ${concurrency ?? config.TERN_WORKER_CONCURRENCY}) on ${redactUrl(config.DATABASE_URL as string)}\n`,
      );
      signals.started(worker.logger, () => worker.close());
    });

  program
    .command("migrate")
    .description("Create or upgrade the database schema, then exit")
    .action(async () => {
      const config = configFromEnv();
      const startedAt = Date.now();
      const { openDataStore } = await main();
      const { dataDir, store } = await explained(openDataStore(config), config);
      const applied = await store.schema.applied().finally(() => store.close());
      // What this run changed, so an upgrade's log says which migrations it took.
      for (const m of applied.filter((m) => m.appliedAt >= startedAt)) {
        process.stdout.write(`Applied migration ${m.version} (${m.name})\n`);
      }
      process.stdout.write(
        `Database is up to date at schema version ${applied.at(-1)?.version ?? 0}: ${config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : dataDir.databasePath}\n`,
      );
    });

  program
    .command("demo")
    .description("Run the lead-capture template against the built-in Salesforce and WhatsApp sandbox")
    .action(async () => {
      const { runDemo } = await import("../sandbox/demo.js");
      const code = await runDemo((line) => process.stdout.write(`${line}\n`));
      process.exit(code);
    });
}
