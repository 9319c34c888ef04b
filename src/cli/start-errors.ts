import path from "node:path";
import type { Config } from "../config.js";
import { redactUrl } from "../core/redact-url.js";
import { SchemaTooNewError } from "../store/schema-version.js";

/**
 * What went wrong at start, said in terms of the setting to fix. The system's own messages
 * ("listen EADDRINUSE …", "EEXIST: file already exists, mkdir …", "file is not a database",
 * "connect ECONNREFUSED …") named neither the variable nor what to do (an outside audit).
 */
export function explainStartError(error: unknown, config: Config): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as NodeJS.ErrnoException & { hostname?: string };
  const dataDir = path.resolve(config.TERN_DATA_DIR);
  const databaseFile = path.join(dataDir, "tern.db");
  const code = e.code ?? "";
  // The docs tell operators to look for SCHEMA_TOO_NEW; the CLI printed the message alone.
  if (error instanceof SchemaTooNewError) return new Error(`${error.code}: ${error.message}`);
  if (e.syscall === "listen" && code === "EADDRINUSE")
    return new Error(
      `Port ${config.TERN_PORT} on ${config.TERN_HOST} is already in use (another Tern, or another program): stop it or set TERN_PORT to a free port.`,
    );
  if (e.syscall === "listen" || (e.syscall === "getaddrinfo" && e.hostname === config.TERN_HOST))
    return new Error(
      `TERN_HOST ${config.TERN_HOST} cannot be listened on (${e.message}): use an address of this machine, such as 0.0.0.0 (every interface) or 127.0.0.1.`,
    );
  if (typeof e.path === "string" && (e.path === dataDir || e.path.startsWith(`${dataDir}${path.sep}`)))
    return new Error(
      `TERN_DATA_DIR ${dataDir} cannot be used (${e.message}): point it at a directory this user can create and write.`,
    );
  // SQLite's "database or disk is full" named neither the directory nor what to do.
  if (!config.DATABASE_URL && (/^SQLITE_FULL/.test(code) || code === "ENOSPC" || code === "EDQUOT"))
    return new Error(
      `The disk holding TERN_DATA_DIR ${dataDir} is full (${e.message}): free some space there (the database needs room to start and to grow; docs/deployment.md, "Disk next to the SQLite file"), then start again.`,
    );
  if (!config.DATABASE_URL) {
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
      return new Error(
        `The database ${databaseFile} is damaged or is not a Tern database (${e.message}): restore it from your backup (docs/deployment.md), or move it away to start with an empty one.`,
      );
    if (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH)/.test(code))
      return new Error(
        `The database ${databaseFile} cannot be opened (${e.message}): it must be a file this user can read and write, in a directory it can write.`,
      );
    return error;
  }
  const cannotConnect =
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ERR_INVALID_URL)$/.test(
      code,
    ) ||
    /^(Connection terminated|timeout exceeded when trying to connect|no PostgreSQL user name)/.test(
      e.message,
    );
  if (cannotConnect)
    return new Error(
      `Cannot connect to PostgreSQL at ${redactUrl(config.DATABASE_URL)} (${e.message}): check DATABASE_URL and that the server is running and reachable.`,
    );
  // pg's own words for a URL without a password, to a server that asks for one (SCRAM).
  if (/^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a (non-empty )?string/.test(e.message))
    return new Error(
      `PostgreSQL at ${redactUrl(config.DATABASE_URL)} asks for a password and DATABASE_URL gives none: write it after the user name, postgres://user:password@host:5432/db, percent-encoding any @ : / ? # % in it (% as %25).`,
    );
  // sslmode asks for TLS (pg checks the certificate as verify-full); the server has none.
  if (e.message === "The server does not support SSL connections")
    return new Error(
      `PostgreSQL at ${redactUrl(config.DATABASE_URL)} does not accept TLS connections, and DATABASE_URL asks for TLS (${sslModeOf(config.DATABASE_URL)}): turn on ssl in the server's postgresql.conf, or, only where the network between Tern and PostgreSQL is trusted (the same machine, a private network), set sslmode=disable in DATABASE_URL.`,
    );
  // The server answered and refused: a user, password or database name (SQLSTATE 28000, 28P01,
  // 3D000). PostgreSQL's own words ("role "x" does not exist") named no setting.
  if (/^(28000|28P01|3D000)$/.test(code))
    return new Error(
      `PostgreSQL at ${redactUrl(config.DATABASE_URL)} refused the connection (${e.message}): check the user, password and database name in DATABASE_URL.`,
    );
  return error;
}

/** The TLS setting as written in the URL, for the message (never the URL's password). */
function sslModeOf(url: string): string {
  const mode = /[?&]sslmode=([^&#]*)/.exec(url)?.[1];
  // libpq's prefer falls back to plain; Tern (store/postgres/ssl-mode.ts) never does.
  if (mode === "prefer" || mode === "require" || mode === "verify-ca")
    return `sslmode=${mode}, which Tern treats as verify-full, with no fallback to plain connections`;
  if (mode) return `sslmode=${mode}`;
  return /[?&]ssl=(true|1)(?:&|#|$)/.test(url) ? "ssl=true" : "an ssl setting";
}
