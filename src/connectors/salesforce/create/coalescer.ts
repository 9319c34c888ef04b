/**
 * Coalesces calls that wait at the same moment into one request (group commit with a short
 * window), so 500 conversations creating Leads cost a handful of API calls instead of 500.
 *
 * - A lone call (nothing queued or in flight for its group, no other call in the last `GAP_MS`)
 *   is sent at once: a quiet conversation sees no added delay.
 * - Otherwise it joins the group's queue. The queue leaves when it holds `maxBatch` items, or
 *   when no call arrived for `GAP_MS`, or `windowMs` after its first item — whichever comes
 *   first — but not while the group's previous request is still in flight (what arrives during
 *   a request forms the next batch), unless that request has taken longer than `MAX_WAIT_MS`.
 *
 * Each item settles with its own result: one record's failure goes to its caller only; a failure
 * of the whole request (network, session, limits) goes to every caller in it.
 */
export type ItemResult<O> = { ok: true; value: O } | { ok: false; error: unknown };
export type SendBatch<I, O> = (inputs: I[]) => Promise<Array<ItemResult<O>>>;

export interface CoalescerOptions {
  maxBatch: number;
  now?: () => number;
}

/** Calls closer together than this are "under load": they wait (≤ windowMs) to share a request. */
export const GAP_MS = 20;
/** The longest a batch waits for its group's request in flight (a slow or hung one) before going anyway. */
export const MAX_WAIT_MS = 250;

interface Item<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

interface Group<I, O> {
  queue: Array<Item<I, O>>;
  send: SendBatch<I, O>;
  windowMs: number;
  inFlight: number;
  lastArrivalAt: number;
  firstQueuedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface Coalescer<I, O> {
  /**
   * `send` must do the same for every call of a group (the group key names what it sends to);
   * `windowMs` is the longest a call waits for others (0: never batched).
   */
  submit(groupKey: string, input: I, send: SendBatch<I, O>, windowMs: number): Promise<O>;
}

export function createCoalescer<I, O>(options: CoalescerOptions): Coalescer<I, O> {
  const now = options.now ?? (() => performance.now());
  const groups = new Map<string, Group<I, O>>();

  function flush(key: string, group: Group<I, O>): void {
    if (group.timer) clearTimeout(group.timer);
    group.timer = null;
    while (group.queue.length > 0) {
      const items = group.queue.splice(0, options.maxBatch);
      group.inFlight += 1;
      void run(key, group, items);
      if (group.queue.length < options.maxBatch) break;
    }
    group.firstQueuedAt = group.queue.length > 0 ? now() : 0;
    if (group.queue.length > 0) schedule(key, group);
  }

  async function run(key: string, group: Group<I, O>, items: Array<Item<I, O>>): Promise<void> {
    try {
      const results = await group.send(items.map((i) => i.input));
      items.forEach((item, index) => {
        const result = results[index];
        if (!result) item.reject(new Error("the batch answer has no result for this item"));
        else if (result.ok) item.resolve(result.value);
        else item.reject(result.error);
      });
    } catch (error) {
      for (const item of items) item.reject(error);
    } finally {
      group.inFlight -= 1;
      // Groups stay (one per object and connection): the last arrival time is what tells load.
      if (group.queue.length > 0) schedule(key, group);
    }
  }

  /** (Re)arms the group's timer for the moment its queue may leave. */
  function schedule(key: string, group: Group<I, O>): void {
    const t = now();
    const due = Math.min(group.lastArrivalAt + GAP_MS, group.firstQueuedAt + group.windowMs);
    // While a request is in flight the batch waits for it (or MAX_WAIT_MS for a slow one).
    const dueAt = group.inFlight > 0 ? group.firstQueuedAt + MAX_WAIT_MS : due;
    if (group.queue.length >= options.maxBatch || t >= dueAt) {
      flush(key, group);
      return;
    }
    if (group.timer) clearTimeout(group.timer);
    group.timer = setTimeout(
      () => {
        group.timer = null;
        schedule(key, group);
      },
      Math.max(0, Math.ceil(dueAt - t)),
    );
    group.timer.unref?.();
  }

  return {
    submit(groupKey, input, send, windowMs) {
      const t = now();
      let group = groups.get(groupKey);
      if (!group) {
        group = {
          queue: [],
          send,
          windowMs,
          inFlight: 0,
          lastArrivalAt: -Infinity,
          firstQueuedAt: 0,
          timer: null,
        };
        groups.set(groupKey, group);
      }
      group.send = send;
      group.windowMs = windowMs;
      const isLone = group.inFlight === 0 && group.queue.length === 0 && t - group.lastArrivalAt >= GAP_MS;
      group.lastArrivalAt = t;
      const g = group;
      return new Promise<O>((resolve, reject) => {
        if (g.queue.length === 0) g.firstQueuedAt = t;
        g.queue.push({ input, resolve, reject });
        if (windowMs === 0 || isLone) flush(groupKey, g);
        else schedule(groupKey, g);
      });
    },
  };
}
