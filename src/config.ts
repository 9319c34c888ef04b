import { z } from "zod";
import { parseAllowList } from "./core/address-policy.js";
import { parseDurationMs } from "./flows/duration.js";
import { parseTrustProxy, trustProxyProblem } from "./server/trust-proxy.js";

/** Environment, parsed once by a schema; a bad value fails fast with a message naming the variable. */
/** TERN_MAX_WAIT when unset (also what `tern flows test` runs with). */
export const DEFAULT_MAX_WAIT = "P30D";

/**
 * A whole number in decimal digits within [min, max]. Not `z.coerce.number()`: it took "0x10"
 * for 16 and "1e3" for 1000 (an outside audit saw TERN_PORT=0x10 listen on port 16).
 */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "a whole number in decimal digits")
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().min(min, `at least ${min}`).max(max, `at most ${max}`));

/** Leading or trailing spaces in a path or host are a quoting mistake, never meant. */
const noOuterSpaces = (schema: z.ZodString) =>
  schema.refine((v) => v.trim() === v, "must not begin or end with spaces");

/**
 * The origin providers reach Tern at: http(s), no user or password (it would be shown in every
 * webhook URL), no query or fragment (the webhook path is appended to it); a path prefix is kept.
 */
const publicUrl = z.url().superRefine((value, ctx) => {
  const url = new URL(value);
  const problem =
    url.protocol !== "http:" && url.protocol !== "https:"
      ? "must be an http:// or https:// URL"
      : url.username || url.password
        ? "must not hold a user name or password"
        : url.search || url.hash || value.includes("?") || value.includes("#")
          ? "must not have a query string or fragment"
          : null;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * A `%` in the user or password of DATABASE_URL that does not start `%XX` (two hex digits). pg
 * read it as a literal `%`, libpq (psql) refuses the URL: the operator who meant `%` saw only
 * "password authentication failed". The value itself is never quoted (it is a password).
 */
function badPercentEncoding(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null; // Reported when connecting, with the URL redacted (cli/start-errors.ts).
  }
  const bad = /%(?![0-9a-f]{2})/i;
  const part = bad.test(url.username) ? "user name" : bad.test(url.password) ? "password" : null;
  return part
    ? `the ${part} has a % that is not followed by two hexadecimal digits (percent-encoding, %XX): write a % that is part of the ${part} as %25 (and @ as %40, : as %3A, / as %2F, ? as %3F, # as %23)`
    : null;
}

export const Config = z.object({
  TERN_PORT: wholeNumber(0, 65535, 3000),
  TERN_HOST: noOuterSpaces(z.string().min(1)).default("0.0.0.0"),
  TERN_DATA_DIR: noOuterSpaces(z.string().min(1))
    // `~` is a shell's: from a compose file, an env file or a systemd unit it reached Tern as is,
    // and the data went to a directory named "~" under the working directory.
    .refine(
      (v) => !v.startsWith("~"),
      "begins with ~, which only a shell expands (not an env file, compose file or systemd unit): give the absolute path",
    )
    .default("./.tern"),
  /**
   * postgres://… puts the store and the job queue on PostgreSQL, so that any number of
   * `tern serve` and `tern worker` processes on any number of machines share them
   * (docs/deployment.md). Absent: SQLite under TERN_DATA_DIR, one process.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .superRefine((value, ctx) => {
      const problem = badPercentEncoding(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  /** PostgreSQL connections per process (the job runner holds a few more of its own). */
  TERN_DB_POOL_SIZE: wholeNumber(2, 200, 10),
  /** 32 bytes, base64 or hex. Generated into the data dir on first start when absent. */
  TERN_SECRET_KEY: z.string().min(1).optional(),
  /** Admin API bearer token. Generated into the data dir on first start when absent. */
  TERN_ADMIN_TOKEN: z
    .string()
    .min(16, "TERN_ADMIN_TOKEN must be at least 16 characters")
    .regex(/^\S+$/, "TERN_ADMIN_TOKEN must not contain spaces (it is sent as a Bearer token)")
    .optional(),
  /**
   * Browser sign-in (the Flow Builder) with a user and password instead of the admin token: set
   * both or neither. Compared in constant time, never logged. The admin token always works too.
   */
  TERN_ADMIN_USER: noOuterSpaces(z.string().min(1).max(256)).optional(),
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
  TERN_PUBLIC_URL: publicUrl.optional(),
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
  TERN_SANDBOX: z.enum(["auto", "on", "off"]).default("auto"),
  /**
   * A send whose outcome is unknown (interrupted by a crash, timed out, or cut after the request
   * was written) is resent only if no delivery status echoing it arrives within this time
   * (WhatsApp has no idempotency key; its statuses echo ours). src/queue/README.md.
   */
  TERN_SEND_RECONCILE_MS: wholeNumber(0, 600_000, 30_000),
  /**
   * A send still failing after its quick attempts (the provider's 5xx, a rate limit that held) is
   * tried again this long later while its run waits, then 4× as long each round (at most an hour,
   * 8 rounds), before the step fails. src/queue/README.md.
   */
  TERN_SEND_RETRY_MS: wholeNumber(100, 3_600_000, 15_000),
  /**
   * Burst grouping: while a run waits for a reply (an `ask`), the text messages its contact sends
   * less than this apart are one answer, joined by newlines ("Hi" / "I want a quote" / "for 3
   * cars"). The answer is taken once this long passed since the last of them (at most 5 windows
   * after the first). 0 takes each message at once. Other conversations are never held.
   */
  TERN_BURST_WINDOW_MS: wholeNumber(0, 60_000, 2_000),
  /**
   * How long a run may wait (an `ask` without a timeout, or one longer than this) before it
   * expires: the run ends (status `ended`, reason `WAIT_EXPIRED`) and the contact's next message
   * starts the triggered flow afresh. An ISO-8601 duration, e.g. P30D, PT12H.
   */
  TERN_MAX_WAIT: z
    .string()
    .refine(
      (v) => parseDurationMs(v) !== null,
      "an ISO-8601 duration above zero in weeks, days, hours, minutes or seconds (no years or months; at most 100 years), such as P30D or PT12H",
    )
    .default(DEFAULT_MAX_WAIT)
    .transform((v) => parseDurationMs(v) as number),
  /** Conversations the worker processes at once; the rest wait their turn in arrival order. */
  TERN_WORKER_CONCURRENCY: wholeNumber(1, 10_000, 64),
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
  TERN_REQUEST_TIMEOUT_MS: wholeNumber(1_000, 300_000, 30_000),
  /**
   * Open connections in all; one more is closed at once. Default: three quarters of the
   * process's open-file limit (server/connection-caps.ts), so a flood of idle sockets cannot
   * take the descriptors Tern needs for its database and its calls out.
   */
  TERN_MAX_CONNECTIONS: z
    .string()
    .regex(/^\d{1,9}$/, "a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().min(16, "at least 16"))
    .optional(),
  /**
   * Open connections from one public client address (loopback and private networks, where a
   * proxy in front connects from, never count). Not applied with
   * TERN_TRUST_PROXY: behind a proxy every connection comes from it, and the proxy caps clients.
   */
  TERN_MAX_CONNECTIONS_PER_ADDRESS: wholeNumber(1, 1_000_000, 512),
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

/**
 * Tern's variables set to nothing but spaces count as unset (`TERN_PORT=` in a compose file or a
 * template that rendered nothing): the default applies, as the README says. They became 0 before
 * (TERN_PORT= listened on a random port), and a blank password or token was accepted.
 */
function withoutBlank(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name in Config.shape && value !== undefined && value.trim() === "") continue;
    kept[name] = value;
  }
  return kept;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Config.safeParse(withoutBlank(env));
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
