import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { explainStartError } from "./start-errors.js";

describe("a start on a full disk", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names the data directory and says to free space, not SQLite's bare 'database or disk is full'", () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-start-full-"));
    // SQLite refuses a page beyond max_page_count exactly as it refuses one on a full disk.
    const db = new BetterSqlite3(path.join(dir, "tern.db"));
    db.pragma("max_page_count = 1");
    let full: unknown;
    try {
      db.exec("CREATE TABLE a (x); CREATE TABLE b (x);");
    } catch (error) {
      full = error;
    } finally {
      db.close();
    }
    expect((full as { code?: string }).code).toBe("SQLITE_FULL");
    const explained = explainStartError(full, loadConfig({ TERN_DATA_DIR: dir }));
    expect(explained.message).toBe(
      `The disk holding TERN_DATA_DIR ${dir} is full (database or disk is full): free some space there (the database needs room to start and to grow; docs/deployment.md, "Disk next to the SQLite file"), then start again.`,
    );
  });
});

/** An authentication request of the PostgreSQL protocol: 'R', length, code, data. */
function authMessage(code: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.write("R", 0);
  head.writeInt32BE(8 + data.length, 1);
  head.writeInt32BE(code, 5);
  return Buffer.concat([head, data]);
}

/**
 * The start of a server with scram-sha-256 in pg_hba.conf, as far as a client without a password
 * gets: AuthenticationSASL, then the server-first message, where pg gives up.
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
function scramServer(): Promise<Server> {
  const server = createServer((socket) => {
    let seen = 0;
    socket.on("data", () => {
      seen += 1;
      if (seen === 1) socket.write(authMessage(10, Buffer.from("SCRAM-SHA-256\0\0")));
      else if (seen === 2) socket.write(authMessage(11, Buffer.from("r=nonce,s=c2FsdA==,i=4096")));
    });
    socket.on("error", () => {});
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("a DATABASE_URL without a password, to a server that asks for one", () => {
  it("says to put the password in DATABASE_URL, not pg's bare SASL message", async () => {
    const server = await scramServer();
    const url = `postgres://tern@127.0.0.1:${(server.address() as { port: number }).port}/tern`;
    const saved = process.env.PGPASSWORD;
    delete process.env.PGPASSWORD;
    const client = new pg.Client({ connectionString: url });
    let refused: unknown;
    try {
      await client.connect();
    } catch (error) {
      refused = error;
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved;
      await client.end().catch(() => {});
      server.close();
    }
    // pg's own error, as a start gets it.
    expect((refused as Error).message).toBe(
      "SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string",
    );
    const explained = explainStartError(refused, loadConfig({ DATABASE_URL: url }));
    expect(explained.message).toBe(
      `PostgreSQL at ${url} asks for a password and DATABASE_URL gives none: write it after the user name, postgres://user:password@host:5432/db, percent-encoding any @ : / ? # % in it (% as %25).`,
    );
  });
});
