import { z } from "zod";
import { parseAllowList } from "./core/address-policy.js";
import { parseDurationMs } from "./flows/duration.js";
import { parseTrustProxy, trustProxyProblem } from "./server/trust-proxy.js";

/** Environment, parsed once by a schema; a bad value fails fast with a message naming the variable. */
/** TERN_MAX_WAIT when unset (also what `tern flows test` runs with). */
export const DEFAULT_MAX_WAIT = "P30D";

export const Config = z.object({
  TERN_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TERN_HOST: z.string().min(1).default("0.0.0.0"),
  TERN_DATA_DIR: z.string().min(1).default("./.tern"),
  /**
   * postgres://… puts the store and the job queue on PostgreSQL, so that any number of
   * `tern serve` and `tern worker` processes on any number of machines share them
   * (docs/deployment.md). Absent: SQLite under TERN_DATA_DIR, one process.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /** PostgreSQL connections per process (the job runner holds a few more of its own). */
  TERN_DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /** 32 bytes, base64 or hex. Generated into the data dir on first start when absent. */
  TERN_SECRET_KEY: z.string().min(1).optional(),
  /** Admin API bearer token. Generated into the data dir on first start when absent. */
  TERN_ADMIN_TOKEN: z.string().min(16, "TERN_ADMIN_TOKEN must be at least 16 characters").optional(),
  /**
   * Browser sign-in (the Flow Builder) with a user and password instead of the admin token: set
   * both or neither. Compared in constant time, never logged. The admin token always works too.
   */
  TERN_ADMIN_USER: z.string().min(1).max(256).optional(),
  TERN_ADMIN_PASSWORD: z
    .string()
    .min(12, "TERN_ADMIN_PASSWORD must be at least 12 characters")
    .max(1_024)
    .optional(),
  /** How long a browser session lasts after sign-in (ISO-8601 duration). */
  TERN_SESSION_TTL: z
    .string()
    .refine(
      (v) => (parseDurationMs(v) ?? 0) >= 60_000,
      "an ISO-8601 duration of a minute or more, such as PT12H",
    )
    .default("PT12H")
    .transform((v) => parseDurationMs(v) as number),
  /** Origin providers use to reach this server; webhook URLs are built from it. */
  TERN_PUBLIC_URL: z.url().optional(),
  /**
   * The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto Tern believes: a
   * comma-separated list of their addresses or CIDR ranges (`127.0.0.1,10.0.0.0/8`; also
   * `loopback`, `linklocal`, `uniquelocal`), or how many proxies stand in front (`1`). The client's
   * address counts failed sign-ins; behind an untrusted proxy every client is the proxy, so one
   * attacker's wrong tokens lock everyone out. Unset: nobody's headers are believed.
   */
  TERN_TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .superRefine((value, ctx) => {
      const problem = value === undefined ? null : trustProxyProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((value) => (value === undefined ? undefined : parseTrustProxy(value))),
  TERN_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** "auto": start the built-in Salesforce emulator and WhatsApp simulator when nothing is configured. */
  TERN_SANDBOX: z.enum(["auto", "off"]).default("auto"),
  /**
   * A send whose outcome is unknown (interrupted by a crash, timed out, or cut after the request
   * was written) is resent only if no delivery status echoing it arrives within this time
   * (WhatsApp has no idempotency key; its statuses echo ours). src/queue/README.md.
   */
  TERN_SEND_RECONCILE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /**
   * A send still failing after its quick attempts (the provider's 5xx, a rate limit that held) is
   * tried again this long later while its run waits, then 4× as long each round (at most an hour,
   * 8 rounds), before the step fails. src/queue/README.md.
   */
  TERN_SEND_RETRY_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /**
   * Burst grouping: while a run waits for a reply (an `ask`), the text messages its contact sends
   * less than this apart are one answer, joined by newlines ("Hi" / "I want a quote" / "for 3
   * cars"). The answer is taken once this long passed since the last of them (at most 5 windows
   * after the first). 0 takes each message at once. Other conversations are never held.
   */
  TERN_BURST_WINDOW_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /**
   * How long a run may wait (an `ask` without a timeout, or one longer than this) before it
   * expires: the run ends (status `ended`, reason `WAIT_EXPIRED`) and the contact's next message
   * starts the triggered flow afresh. An ISO-8601 duration, e.g. P30D, PT12H.
   */
  TERN_MAX_WAIT: z
    .string()
    .refine((v) => parseDurationMs(v) !== null, "an ISO-8601 duration such as P30D or PT12H")
    .default(DEFAULT_MAX_WAIT)
    .transform((v) => parseDurationMs(v) as number),
  /** Conversations the worker processes at once; the rest wait their turn in arrival order. */
  TERN_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  /**
   * FULL: a webhook is acknowledged only after its commit is fsynced (survives power loss).
   * NORMAL: after it is written to the WAL (survives a process crash, not a power cut).
   */
  TERN_SQLITE_SYNCHRONOUS: z.enum(["FULL", "NORMAL"]).default("FULL"),
  /**
   * "incremental": the file gives pruned space back to the disk (src/store/sqlite-vacuum.ts), at
   * a cost on every commit (pointer-map pages: the lead bench's p99 doubled). "none" (default):
   * freed pages are reused, so the file stops growing once retention keeps up, but never shrinks.
   */
  TERN_SQLITE_AUTO_VACUUM: z.enum(["incremental", "none"]).default("none"),
  /**
   * Who may read `GET /metrics`: "public", "token" (the admin bearer token, which Prometheus
   * sends with `authorization: { credentials_file: … }`) or "off" (404). Default "token": Tern's
   * port faces the internet to receive webhooks, and traffic volumes, backlog and run counts are
   * business information a stranger should not read.
   */
  TERN_METRICS: z.enum(["public", "token", "off"]).default("token"),
  /**
   * Who may read the OpenAPI document and its UI at `/api/docs`: "public", "token" or "off" (404).
   * Default "public": it describes the open-source API only (no data, no configuration), and
   * every call it describes still needs the admin token.
   */
  TERN_API_DOCS: z.enum(["public", "token", "off"]).default("public"),
  /**
   * A request's headers and body must arrive within this time, or it is answered 408 and its
   * connection closed: a stranger trickling bytes cannot hold a socket for Node's default five
   * minutes. Meta's largest webhook (a few MB) arrives in well under a second.
   */
  TERN_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
  /**
   * Days after which finished runs, their step history, message bodies, processed inbox rows
   * and rejected webhook items are pruned; "0" or "off" keeps everything. Default 30: a month
   * of history answers "what happened with this lead?" (the Lead itself lives in Salesforce),
   * it is past the providers' 7-day redelivery window that deduplication needs, and it keeps
   * the database bounded (about 2.7 KB per message) and personal data no longer than needed.
   */
  TERN_RETENTION_DAYS: z
    .string()
    .regex(/^(off|\d{1,5})$/, 'a whole number of days, or "off"')
    .default("30")
    .transform((v) => (v === "off" || Number(v) === 0 ? null : Number(v))),
  /**
   * "true": the `http` flow step may reach private (RFC 1918, fc00::/7), loopback, link-local,
   * CGNAT and other non-public addresses — for an API on the same network. Cloud metadata
   * addresses (169.254.169.254, fd00:ec2::254, ...) stay refused unless TERN_HTTP_ALLOW lists
   * them. Default "false": public addresses only, checked after DNS and on every redirect.
   */
  TERN_HTTP_ALLOW_PRIVATE: z
    .enum(["true", "false"], { error: 'use "true" or "false"' })
    .default("false")
    .transform((v) => v === "true"),
  /**
   * What the `http` step may reach beyond public addresses, comma-separated: addresses
   * (10.0.0.7), CIDR ranges (10.20.0.0/16, fd00::/8) and host names (api.internal, and
   * *.corp.example for its subdomains; a listed host may resolve to any address).
   */
  TERN_HTTP_ALLOW: z
    .string()
    .default("")
    .transform((v) => v.split(/[\s,]+/).filter(Boolean))
    .superRefine((entries, ctx) => {
      try {
        parseAllowList(entries);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
});
export type Config = z.infer<typeof Config>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Config.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  if ((parsed.data.TERN_ADMIN_USER === undefined) !== (parsed.data.TERN_ADMIN_PASSWORD === undefined)) {
    throw new Error(
      "Invalid configuration:\n  TERN_ADMIN_USER, TERN_ADMIN_PASSWORD: set both (sign-in with a user and password) or neither",
    );
  }
  return parsed.data;
}
