import path from "node:path";
import type { Logger } from "pino";
import { channelTypes } from "./channels/registry.js";
import type { Config } from "./config.js";
import { createAddressPolicy } from "./core/address-policy.js";
import { type Clock, systemClock } from "./core/clock.js";
import { type DataDir, dataDirFromEnv, prepareDataDir } from "./core/data-dir.js";
import type { FetchLike } from "./core/fetch.js";
import { createGuardedHttp, type ResolveHost } from "./core/guarded-http.js";
import { createHttpFetch } from "./core/http-fetch.js";
import { createLogger } from "./core/logger.js";
import { createMetrics, type Metrics } from "./core/metrics.js";
import { createSecretBox, parseSecretKey } from "./core/secrets.js";
import { runShutdownSteps } from "./core/shutdown.js";
import { createEngine } from "./flows/engine.js";
import { createWorker, type Worker } from "./queue/worker.js";
import type { BuiltInSandbox } from "./sandbox/bootstrap.js";
import { type App, buildApp } from "./server/app.js";
import { defaultMaxConnections } from "./server/connection-caps.js";
import { createDesignEnv } from "./services/design-env.js";
import { createFlowService, type FlowService } from "./services/flow-service.js";
import { createIntegrations } from "./services/integrations.js";
import { stepRegistry } from "./steps.js";
import { finishKeyRotation } from "./store/key-rotation.js";
import { pinnedSslMode } from "./store/postgres/ssl-mode.js";
import { createPruner, type Pruner } from "./store/pruner.js";
import { assertSecretKeyOpens } from "./store/secret-key-check.js";
import { lockDataDirectory } from "./store/serve-lock.js";
import { isStorageFailure } from "./store/storage-failure.js";
import { openPostgresStore, openStore, type Store } from "./store/store.js";

/** Composition root: config → data dir → store → integrations → engine → worker → server. */
export interface Tern {
  app: App;
  url: string;
  store: Store;
  worker: Worker;
  flows: FlowService;
  dataDir: DataDir;
  logger: Logger;
  metrics: Metrics;
  sandbox: BuiltInSandbox | null;
  /** Retention: prunes old history on a timer (`TERN_RETENTION_DAYS`). */
  pruner: Pruner;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  clock?: Clock;
  fetch?: FetchLike;
  logger?: Logger;
  /** false: accept and store webhooks only (`tern serve --no-worker`). */
  runWorker?: boolean;
  /** DNS for the `http` step's address checks (tests: a fixed table). Default: the system resolver. */
  resolveHost?: ResolveHost;
}

/**
 * The data directory (key, token) and the database, migrated: `tern migrate` stops here. The
 * database is PostgreSQL when DATABASE_URL is set, else the SQLite file in the data directory.
 */
export async function openDataStore(
  config: Config,
  log?: { error(obj: object, msg?: string): void; warn(obj: object, msg?: string): void },
): Promise<{ dataDir: DataDir; store: Store }> {
  const dataDir = config.DATABASE_URL ? postgresDataDir(config) : sqliteDataDir(config);
  for (const warning of dataDir.warnings) {
    if (log) log.warn({}, warning);
    else process.stderr.write(`Warning: ${warning}\n`);
  }
  const keySource =
    dataDir.secretKeySource === "env" ? "TERN_SECRET_KEY" : `The key file ${dataDir.secretKeyPath}`;
  const box = createSecretBox(parseSecretKey(dataDir.secretKey, keySource));
  const store = config.DATABASE_URL
    ? await openPostgresStore({
        url: pinnedSslMode(config.DATABASE_URL),
        box,
        poolSize: config.TERN_DB_POOL_SIZE,
        log,
      })
    : openStore({
        path: dataDir.databasePath,
        box,
        synchronous: config.TERN_SQLITE_SYNCHRONOUS,
        autoVacuum: config.TERN_SQLITE_AUTO_VACUUM,
      });
  try {
    await assertSecretKeyOpens(store, dataDir);
  } catch (error) {
    await store.close();
    throw error;
  }
  return { dataDir, store };
}

/** PostgreSQL: key and token from the environment, nothing on disk (data-dir.ts `dataDirFromEnv`). */
function postgresDataDir(config: Config): DataDir {
  if (!config.TERN_SECRET_KEY || !config.TERN_ADMIN_TOKEN) {
    // Processes on other machines would each generate their own: one could not open the secrets
    // another sealed, and each serve would accept a different admin token.
    throw new Error(
      "DATABASE_URL is set: also set TERN_SECRET_KEY and TERN_ADMIN_TOKEN, the same for every Tern process " +
        "(docs/deployment.md). Generate them with: openssl rand -hex 32; openssl rand -hex 24",
    );
  }
  return dataDirFromEnv(path.resolve(config.TERN_DATA_DIR), {
    secretKey: config.TERN_SECRET_KEY,
    adminToken: config.TERN_ADMIN_TOKEN,
  });
}

/** SQLite: the directory holds the database, and the key and token unless given by environment. */
function sqliteDataDir(config: Config): DataDir {
  const root = path.resolve(config.TERN_DATA_DIR);
  // A `tern keys rotate` that stopped midway leaves secret.key.new: keep the key that opens the data.
  finishKeyRotation(root);
  return prepareDataDir(root, { secretKey: config.TERN_SECRET_KEY, adminToken: config.TERN_ADMIN_TOKEN });
}

/** What every Tern process runs on: the store, integrations, flows and the worker's logic. */
async function createRuntime(options: StartOptions) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const fetchImpl: FetchLike = options.fetch ?? createHttpFetch();
  const logger =
    options.logger ?? createLogger(config.TERN_LOG_LEVEL, undefined, { isOutage: isStorageFailure });
  const { dataDir, store } = await openDataStore(config, logger);
  const metrics = createMetrics();
  // The worker is made after the connectors it runs; they ask it only once flows run.
  let worker: Worker | undefined;
  const integrations = createIntegrations(store, {
    fetch: fetchImpl,
    clock,
    log: logger,
    workerLoad: () => worker?.load() ?? { turns: 0, isBacklogged: false },
  });
  // Channel and connection changes made by other processes reach this one's cache.
  const stopWatching = integrations.watchChanges();
  const flows = createFlowService(store, clock, {
    design: createDesignEnv(integrations),
    maxWaitMs: config.TERN_MAX_WAIT,
  });
  worker = createWorker({
    store,
    clock,
    engine: createEngine({ steps: stepRegistry, maxWaitMs: config.TERN_MAX_WAIT }),
    flow: (id, version, createdAt) => flows.load(id, version, createdAt),
    integrations,
    fetch: fetchImpl,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    sendReconcileMs: config.TERN_SEND_RECONCILE_MS,
    sendRetryMs: config.TERN_SEND_RETRY_MS,
    http: createGuardedHttp({
      policy: createAddressPolicy({
        allowPrivate: config.TERN_HTTP_ALLOW_PRIVATE,
        allow: config.TERN_HTTP_ALLOW,
      }),
      resolve: options.resolveHost,
    }),
    burstWindowMs: config.TERN_BURST_WINDOW_MS,
    maxWaitMs: config.TERN_MAX_WAIT,
    concurrency: config.TERN_WORKER_CONCURRENCY,
    metrics,
    log: logger,
    scheduling: store.dialect === "postgres" ? "jobs" : "lanes",
  });
  return {
    config,
    clock,
    logger,
    dataDir,
    store,
    metrics,
    integrations,
    flows,
    worker,
    fetch: fetchImpl,
    stopWatching,
  };
}
type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/**
 * Starts running flows in this process. SQLite: the in-process lanes, after recovering what a
 * previous process left. PostgreSQL: a graphile-worker runner taking conversation jobs (and, once,
 * jobs for whatever the rows say is unfinished), and the timer that hands deadlines that passed
 * to their conversations' jobs. Returns how to stop taking work.
 */
async function runWorker(
  rt: Runtime,
  concurrency: number,
): Promise<{ stop(graceMs?: number): Promise<void> }> {
  // Schedule triggers fire from every worker process; each firing is claimed once in the store.
  rt.worker.schedules.start();
  if (rt.worker.scheduling === "lanes") {
    await rt.worker.recover();
    return {
      stop: async () => {
        rt.worker.schedules.stop();
        rt.worker.stop();
      },
    };
  }
  const { startWorkerRunner } = await import("./queue/jobs/worker-runner.js");
  rt.worker.runsJobsWith(concurrency);
  const runner = await startWorkerRunner({
    url: pinnedSslMode(rt.config.DATABASE_URL as string),
    worker: rt.worker,
    concurrency,
    log: rt.logger,
  });
  await rt.worker.startDeadlines();
  return {
    stop: async (graceMs?: number) => {
      rt.worker.schedules.stop();
      await runner.stop(graceMs);
    },
  };
}

export async function startTern(options: StartOptions): Promise<Tern> {
  // SQLite: one serve per data directory (store/serve-lock.ts), taken before anything is opened.
  const lock = options.config.DATABASE_URL
    ? null
    : lockDataDirectory(path.resolve(options.config.TERN_DATA_DIR));
  try {
    return await startLocked(options, () => lock?.release());
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function startLocked(options: StartOptions, releaseLock: () => void): Promise<Tern> {
  const rt = await createRuntime(options);
  const { config, clock, logger, dataDir, store, metrics, integrations, flows, worker, fetch } = rt;

  // Loaded only when it runs: the emulators are ~50 modules a production process never uses.
  const sandbox =
    config.TERN_SANDBOX !== "off"
      ? await (await import("./sandbox/bootstrap.js")).startBuiltInSandbox({
          isAskedFor: config.TERN_SANDBOX === "on",
          store,
          integrations,
          flows,
          clock,
          dataDir: dataDir.root,
          logger,
        })
      : null;
  if (sandbox) flows.simulateChannelTypes(() => (sandbox.isOn() ? Object.keys(channelTypes) : []));
  // A channel or connection created through another `serve` retires this one's sandbox too: it
  // kept answering /sandbox/* (400: its channel was gone) and ran its emulators.
  const stopSandboxWatch = sandbox
    ? integrations.onChange(() => {
        if (!sandbox.isOn()) return;
        void store.sandbox
          .hasUserIntegrations()
          .then((has) => (has ? sandbox.stepAside() : undefined))
          .catch((err: unknown) =>
            logger.warn({ err }, "sandbox: could not check for a channel or connection of yours"),
          );
      })
    : () => {};

  // Listen first to learn the real port (TERN_PORT=0 picks a free one) for the public URL.
  let publicUrl = config.TERN_PUBLIC_URL ?? "";
  let localUrl = "";
  const app = await buildApp({
    store,
    integrations,
    worker,
    flows,
    clock,
    logger,
    adminToken: dataDir.adminToken,
    get publicUrl() {
      return publicUrl;
    },
    get localUrl() {
      return localUrl;
    },
    // Null once it stepped aside (a real integration was created while it ran).
    sandbox: () => (sandbox?.isOn() ? sandbox : null),
    metrics,
    fetch,
    exposure: { metrics: config.TERN_METRICS, apiDocs: config.TERN_API_DOCS },
    requestTimeoutMs: config.TERN_REQUEST_TIMEOUT_MS,
    trustProxy: config.TERN_TRUST_PROXY,
    connectionCaps: {
      total: config.TERN_MAX_CONNECTIONS ?? defaultMaxConnections(),
      perAddress: config.TERN_TRUST_PROXY === undefined ? config.TERN_MAX_CONNECTIONS_PER_ADDRESS : null,
    },
    signIn: {
      login:
        config.TERN_ADMIN_USER !== undefined && config.TERN_ADMIN_PASSWORD !== undefined
          ? { user: config.TERN_ADMIN_USER, password: config.TERN_ADMIN_PASSWORD }
          : undefined,
      ttlMs: config.TERN_SESSION_TTL,
    },
  });
  await app.listen({ port: config.TERN_PORT, host: config.TERN_HOST });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.TERN_PORT;
  const localHost =
    config.TERN_HOST === "0.0.0.0" || config.TERN_HOST === "::" ? "localhost" : config.TERN_HOST;
  const url = `http://${localHost}:${port}`;
  if (!publicUrl) publicUrl = url;
  localUrl = url;
  // Like Meta, the simulator reports delivery statuses back to the channel's webhook.
  sandbox?.sandbox.wa.deliverStatusesTo(`${url}/webhooks/${sandbox.channelId}`);

  const running = options.runWorker !== false ? await runWorker(rt, config.TERN_WORKER_CONCURRENCY) : null;
  const pruner = createPruner({
    store,
    clock,
    retentionDays: config.TERN_RETENTION_DAYS,
    metrics,
    log: logger,
  });
  pruner.start();

  return {
    app,
    url,
    store,
    worker,
    flows,
    dataDir,
    logger,
    metrics,
    sandbox,
    pruner,
    async close() {
      await runShutdownSteps(logger, [
        // First hand back the work in hand (PostgreSQL: other processes take it at once).
        ["handing back jobs", () => running?.stop()],
        ["stopping the worker", () => worker.stop()],
        ["stopping retention", () => pruner.stop()],
        [
          "closing the HTTP server",
          async () => {
            // Keep-alive connections that turn idle after close() began would hold it open for
            // Fastify's 72 s keep-alive timeout; requests still running after a grace period are
            // cut (never acknowledged, so providers retry them).
            const force = setTimeout(() => app.server.closeAllConnections(), 2_000);
            try {
              await app.close();
            } finally {
              clearTimeout(force);
            }
          },
        ],
        // Lanes finish what they hold; jobs were finished or handed back by `running.stop()`.
        ["finishing the lanes", () => (worker.scheduling === "lanes" ? worker.idle() : undefined)],
        [
          "closing the sandbox",
          () => {
            stopSandboxWatch();
            return sandbox?.close();
          },
        ],
        ["stopping the flow watcher", () => rt.stopWatching()],
        ["closing the database", () => store.close()],
        ["releasing the data directory", releaseLock],
      ]);
    },
  };
}

/** A `tern worker` process (PostgreSQL): runs flows from the job queue; serves no HTTP. */
export interface TernWorker {
  logger: Logger;
  metrics: Metrics;
  store: Store;
  /** Stops taking jobs, finishes or hands back what it holds within `graceMs`, closes the store. */
  close(graceMs?: number): Promise<void>;
}

export async function startTernWorker(options: StartOptions & { concurrency?: number }): Promise<TernWorker> {
  if (!options.config.DATABASE_URL) {
    throw new Error(
      "tern worker needs DATABASE_URL (PostgreSQL): with the embedded SQLite store, `tern serve` runs the flows itself",
    );
  }
  const rt = await createRuntime(options);
  let running: { stop(graceMs?: number): Promise<void> };
  try {
    running = await runWorker(rt, options.concurrency ?? rt.config.TERN_WORKER_CONCURRENCY);
  } catch (error) {
    rt.stopWatching();
    await rt.store.close();
    throw error;
  }
  return {
    logger: rt.logger,
    metrics: rt.metrics,
    store: rt.store,
    close(graceMs) {
      return runShutdownSteps(rt.logger, [
        ["handing back jobs", () => running.stop(graceMs)],
        ["stopping the worker", () => rt.worker.stop()],
        ["stopping the flow watcher", () => rt.stopWatching()],
        ["closing the database", () => rt.store.close()],
      ]);
    },
  };
}
