import { EventEmitter } from "node:events";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { isStorageFailure } from "../storage-failure.js";
import { guardPool } from "./pool-guard.js";

describe("guardPool", () => {
  it("reports a cut connection as an outage error, so a pool cut whole logs one line a minute", () => {
    const written: Array<Record<string, unknown>> = [];
    const log = createLogger(
      "info",
      { write: (line: string) => written.push(JSON.parse(line)) },
      { isOutage: isStorageFailure },
    );
    const pool = new EventEmitter();
    guardPool(pool as unknown as pg.Pool, (err) => log.error({ err }, "PostgreSQL connection lost"));
    // `pg_terminate_backend` on every connection of a pool of nine: each client emits its error.
    for (let i = 0; i < 9; i++) {
      const client = new EventEmitter();
      pool.emit("connect", client);
      const error = Object.assign(new Error("terminating connection due to administrator command"), {
        code: "57P01",
        client,
      });
      client.emit("error", error);
    }
    expect(written.map((l) => [l.msg, l.suppressed])).toEqual([["PostgreSQL connection lost", 0]]);
    // Only the message and code are kept: pg attaches the whole client to the error.
    expect(written[0]?.err).toMatchObject({
      message: "terminating connection due to administrator command",
      code: "57P01",
    });
    expect(written[0]?.err).not.toHaveProperty("client");
  });
});
