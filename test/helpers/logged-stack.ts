import { createLogger } from "../../src/core/logger.js";
import { type Stack, startStack } from "./in-process.js";

/**
 * Tern in this process wired to a fresh sandbox, like `startStack`, but with its log lines
 * captured (parsed JSON, level info) and a clock the test can move forward.
 */
export interface LoggedStack extends Stack {
  logs: Array<Record<string, unknown> & { msg: string; level: number }>;
  advanceClock(ms: number): void;
}

export async function startLoggedStack(env: Record<string, string> = {}): Promise<LoggedStack> {
  const logs: LoggedStack["logs"] = [];
  const logger = createLogger("info", {
    write(line: string) {
      logs.push(JSON.parse(line));
    },
  });
  let offsetMs = 0;
  const stack = await startStack({ env, logger, clock: { now: () => Date.now() + offsetMs } });
  return {
    ...stack,
    logs,
    advanceClock(ms) {
      offsetMs += ms;
    },
  };
}
