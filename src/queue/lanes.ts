/**
 * One lane per conversation: tasks of a conversation run one at a time, in the order they
 * were queued; different conversations run concurrently, up to `maxActive` at once (the rest
 * wait their turn in arrival order). `drain` is called whenever a lane has
 * no queued task left, so the owner can pull more work (e.g. the next inbox row) for it.
 */
export interface Lanes {
  /** Queues a task on the lane and starts the lane if idle. */
  push(key: string, task: () => Promise<void>): void;
  /** Starts the lane if idle so that `drain` is asked for work. */
  poke(key: string): void;
  /** Resolves when every lane is idle. */
  idle(): Promise<void>;
  active(): number;
  /** Lanes with work waiting for a free slot (a backlog). */
  waiting(): number;
}

export function createLanes(options: {
  drain: (key: string) => Promise<(() => Promise<void>) | null> | (() => Promise<void>) | null;
  onError: (key: string, error: unknown) => void;
  /**
   * Lanes running at once. Unbounded concurrency would let a burst of 10,000 conversations
   * start 10,000 provider calls together: memory balloons and everything gets slower.
   */
  maxActive?: number;
}): Lanes {
  const queues = new Map<string, Array<() => Promise<void>>>();
  const running = new Set<string>();
  const pokedWhileRunning = new Set<string>();
  /** Lanes with work that wait for a free slot, oldest first (Sets keep insertion order). */
  const waiting = new Set<string>();
  const maxActive = options.maxActive ?? 64;
  let idleWaiters: Array<() => void> = [];

  const run = async (key: string): Promise<void> => {
    running.add(key);
    try {
      for (;;) {
        const queue = queues.get(key);
        let task = queue?.shift();
        if (queue && queue.length === 0) queues.delete(key);
        if (!task) {
          pokedWhileRunning.delete(key);
          try {
            task = (await options.drain(key)) ?? undefined;
          } catch (error) {
            // E.g. the database is unreadable: report, and leave the work for the next poke.
            options.onError(key, error);
            break;
          }
        }
        if (!task) break;
        try {
          await task();
        } catch (error) {
          options.onError(key, error);
          // A failing task must not spin: stop this lane until it is poked again.
          break;
        }
      }
    } finally {
      running.delete(key);
      if (pokedWhileRunning.delete(key) || queues.has(key)) waiting.add(key);
      startWaiting();
      if (running.size === 0 && waiting.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  };

  const start = (key: string): void => {
    if (running.has(key)) {
      pokedWhileRunning.add(key);
      return;
    }
    if (running.size >= maxActive) {
      waiting.add(key);
      return;
    }
    void run(key);
  };

  const startWaiting = (): void => {
    for (const key of waiting) {
      if (running.size >= maxActive) return;
      waiting.delete(key);
      start(key);
    }
  };

  return {
    push(key, task) {
      const queue = queues.get(key) ?? [];
      queue.push(task);
      queues.set(key, queue);
      start(key);
    },
    poke: start,
    idle: () =>
      running.size === 0 && waiting.size === 0
        ? Promise.resolve()
        : new Promise<void>((r) => idleWaiters.push(r)),
    active: () => running.size,
    waiting: () => waiting.size,
  };
}
