import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

const lines = () => {
  const written: Array<Record<string, unknown>> = [];
  return { written, stream: { write: (line: string) => written.push(JSON.parse(line)) } };
};
const outage = (err: unknown) => err instanceof Error && err.message === "database down";

describe("a logger told which errors are an outage", () => {
  it("writes an outage's warn or error line once a minute per message, then says how many it skipped", () => {
    const { written, stream } = lines();
    const log = createLogger("info", stream, { isOutage: outage });
    for (let i = 0; i < 50; i++) {
      log.warn({ err: new Error("database down"), attempt: i }, "message processing failed; retrying");
      log.error({ err: new Error("database down") }, "run advance failed");
    }
    expect(written.map((l) => [l.msg, l.suppressed])).toEqual([
      ["message processing failed; retrying", 0],
      ["run advance failed", 0],
    ]);
    // Child loggers share the rule (the worker logs through children).
    log.child({ component: "x" }).warn({ err: new Error("database down") }, "run advance failed");
    expect(written).toHaveLength(2);
  });

  it("counts lines that differ only in a number as one (graphile-worker's growing retry delay)", () => {
    const { written, stream } = lines();
    const log = createLogger("info", stream, { isOutage: outage });
    for (const ms of [105, 256, 988, 2725, 6584, 20077]) {
      log.error({ err: new Error("database down") }, `Error with notify listener (trying again in ${ms}ms)`);
    }
    expect(written.map((l) => [l.msg, l.suppressed])).toEqual([
      ["Error with notify listener (trying again in 105ms)", 0],
    ]);
  });

  it("writes every other line as it comes: other errors, info lines, and without the option", () => {
    const { written, stream } = lines();
    const log = createLogger("info", stream, { isOutage: outage });
    for (let i = 0; i < 3; i++) {
      log.error({ err: new TypeError("a bug") }, "run advance failed");
      log.info({ err: new Error("database down") }, "noted");
    }
    expect(written).toHaveLength(6);
    const plain = lines();
    const unthrottled = createLogger("info", plain.stream);
    for (let i = 0; i < 3; i++) unthrottled.warn({ err: new Error("database down") }, "retrying");
    expect(plain.written).toHaveLength(3);
  });
});
