import { describe, expect, it } from "vitest";
import { createLanes } from "./lanes.js";

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every callback already queued (promise reactions and I/O) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A task under manual control: records when it starts and ends, `started` resolves once it
 * runs, and it finishes when `finish()` is called.
 */
function controlledTask(log: string[], name: string) {
  const started = deferred();
  const gate = deferred();
  return {
    started: started.promise,
    finish: gate.resolve,
    fail: gate.reject,
    run: async () => {
      log.push(`start ${name}`);
      started.resolve();
      try {
        await gate.promise;
      } finally {
        log.push(`end ${name}`);
      }
    },
  };
}

const noWork = () => null;
const failOnError = (key: string, error: unknown) => {
  throw new Error(`unexpected error on lane ${key}: ${String(error)}`);
};

describe("createLanes", () => {
  it("runs the tasks of one key one at a time, in the order they were pushed", async () => {
    const log: string[] = [];
    const lanes = createLanes({ drain: noWork, onError: failOnError });
    const tasks = ["1", "2", "3"].map((n) => controlledTask(log, n));
    for (const t of tasks) lanes.push("a", t.run);
    const [t1, t2, t3] = tasks as [(typeof tasks)[0], (typeof tasks)[0], (typeof tasks)[0]];

    await t1.started;
    await settle();
    expect(log).toEqual(["start 1"]);

    t1.finish();
    await t2.started;
    await settle();
    expect(log).toEqual(["start 1", "end 1", "start 2"]);

    t2.finish();
    await t3.started;
    t3.finish();
    await lanes.idle();
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("runs lanes of different keys at the same time", async () => {
    const log: string[] = [];
    const lanes = createLanes({ drain: noWork, onError: failOnError });
    const a = controlledTask(log, "a");
    const b = controlledTask(log, "b");
    lanes.push("a", a.run);
    lanes.push("b", b.run);

    await Promise.all([a.started, b.started]);
    expect(log).toEqual(["start a", "start b"]);
    expect(lanes.active()).toBe(2);

    b.finish();
    a.finish();
    await lanes.idle();
    expect(lanes.active()).toBe(0);
  });

  it("runs at most maxActive lanes at once and starts waiting lanes in arrival order as slots free", async () => {
    const log: string[] = [];
    const lanes = createLanes({ drain: noWork, onError: failOnError, maxActive: 2 });
    const t = Object.fromEntries(["a", "b", "c", "d"].map((k) => [k, controlledTask(log, k)])) as Record<
      "a" | "b" | "c" | "d",
      ReturnType<typeof controlledTask>
    >;
    lanes.push("a", t.a.run);
    lanes.push("b", t.b.run);
    lanes.push("c", t.c.run);
    lanes.push("d", t.d.run);

    await Promise.all([t.a.started, t.b.started]);
    await settle();
    expect(log).toEqual(["start a", "start b"]);
    expect(lanes.active()).toBe(2);
    expect(lanes.waiting()).toBe(2); // c and d: the backlog a batching connector waits for

    t.b.finish();
    await t.c.started;
    await settle();
    expect(log).toEqual(["start a", "start b", "end b", "start c"]);
    expect(lanes.active()).toBe(2);
    expect(lanes.waiting()).toBe(1);

    t.a.finish();
    await t.d.started;
    expect(log).toEqual(["start a", "start b", "end b", "start c", "end a", "start d"]);

    t.c.finish();
    t.d.finish();
    await lanes.idle();
    expect(lanes.active()).toBe(0);
    expect(lanes.waiting()).toBe(0);
  });

  it("asks drain for work when a lane has no queued task and runs what it returns", async () => {
    const ran: string[] = [];
    const backlog = new Map<string, string[]>([["a", ["row 1", "row 2"]]]);
    const drained: string[] = [];
    const lanes = createLanes({
      drain: (key) => {
        drained.push(key);
        const row = backlog.get(key)?.shift();
        return row === undefined
          ? null
          : async () => {
              ran.push(`${key}: ${row}`);
            };
      },
      onError: failOnError,
    });

    lanes.push("a", async () => {
      ran.push("a: pushed");
    });
    await lanes.idle();

    // The pushed task first, then the backlog until drain has nothing more.
    expect(ran).toEqual(["a: pushed", "a: row 1", "a: row 2"]);
    expect(drained).toEqual(["a", "a", "a"]);
  });

  it("starts an idle lane on poke so that drain is asked for work", async () => {
    const ran: string[] = [];
    const backlog = ["row 1"];
    const lanes = createLanes({
      drain: () => {
        const row = backlog.shift();
        return row === undefined
          ? null
          : async () => {
              ran.push(row);
            };
      },
      onError: failOnError,
    });
    lanes.poke("a");
    await lanes.idle();
    expect(ran).toEqual(["row 1"]);
  });

  it("drains again after the current task when poked while running", async () => {
    const log: string[] = [];
    const backlog: string[] = [];
    let drains = 0;
    const lanes = createLanes({
      drain: () => {
        drains++;
        const row = backlog.shift();
        return row === undefined
          ? null
          : async () => {
              log.push(`drained ${row}`);
            };
      },
      onError: failOnError,
    });
    const current = controlledTask(log, "current");
    lanes.push("a", current.run);
    await current.started;

    // Work appears while the lane is busy; the owner pokes the lane.
    backlog.push("row 1");
    lanes.poke("a");
    expect(drains).toBe(0);

    current.finish();
    await lanes.idle();
    expect(log).toEqual(["start current", "end current", "drained row 1"]);
    expect(backlog).toEqual([]);
  });

  it("drains again when poked while a task is failing", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const backlog: string[] = [];
    const lanes = createLanes({
      drain: () => {
        const row = backlog.shift();
        return row === undefined
          ? null
          : async () => {
              log.push(`drained ${row}`);
            };
      },
      onError: (_key, error) => errors.push(error),
    });
    const failing = controlledTask(log, "failing");
    lanes.push("a", failing.run);
    await failing.started;

    backlog.push("row 1");
    lanes.poke("a");
    const error = new Error("provider down");
    failing.fail(error);
    await lanes.idle();

    expect(errors).toEqual([error]);
    expect(log).toEqual(["start failing", "end failing", "drained row 1"]);
  });

  it("reports a failing task to onError and stops the lane until it is poked again", async () => {
    const errors: Array<{ key: string; error: unknown }> = [];
    let drains = 0;
    const failure = new Error("inbox row cannot be processed");
    const lanes = createLanes({
      // The same failing work keeps coming back, as an unprocessed inbox row would (capped, so
      // that a lane which does spin ends and fails the assertions instead of hanging the test).
      drain: () => {
        drains++;
        return drains > 5
          ? null
          : async () => {
              throw failure;
            };
      },
      onError: (key, error) => errors.push({ key, error }),
    });

    lanes.poke("a");
    await lanes.idle();
    await settle();
    expect(errors).toEqual([{ key: "a", error: failure }]);
    expect(drains).toBe(1);
    expect(lanes.active()).toBe(0);

    lanes.poke("a");
    await lanes.idle();
    expect(errors).toHaveLength(2);
    expect(drains).toBe(2);
  });

  it("resolves idle() only when every running and waiting lane is done", async () => {
    const log: string[] = [];
    const lanes = createLanes({ drain: noWork, onError: failOnError, maxActive: 1 });
    await expect(lanes.idle()).resolves.toBeUndefined();

    const a = controlledTask(log, "a");
    const b = controlledTask(log, "b");
    lanes.push("a", a.run);
    lanes.push("b", b.run); // waits for a's slot
    let idle = false;
    const idlePromise = lanes.idle().then(() => {
      idle = true;
    });

    await a.started;
    await settle();
    expect(idle).toBe(false);

    a.finish();
    await b.started;
    await settle();
    expect(idle).toBe(false);

    b.finish();
    await idlePromise;
    expect(idle).toBe(true);
    expect(log).toEqual(["start a", "end a", "start b", "end b"]);
  });

  it("reports a drain that throws (an unreadable database) to onError instead of crashing", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const lanes = createLanes({
      drain: () => {
        calls++;
        throw new Error("disk I/O error");
      },
      onError: (_key, error) => errors.push(error),
    });
    lanes.poke("a");
    await lanes.idle();
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("disk I/O error");
  });
});
