import type { WorkerLoad } from "../../connector.js";

/**
 * Coalesces calls that wait at the same moment into one request (group commit with a short
 * window), so 500 conversations creating Leads cost a handful of API calls instead of 500.
 *
 * - A call joins its group's queue. The queue leaves when it holds `maxBatch` items, or
 *   `windowMs` after its first item, or as soon as nobody else can join it, whichever comes
 *   first — but not while the group's previous request is still in flight (what arrives during
 *   a request forms the next batch), unless that request has taken longer than `MAX_WAIT_MS`.
 * - "Nobody else can join": given the worker's `load`, no conversation waits for a turn (a
 *   steady stream that the worker keeps up with: batching would only add latency; what comes
 *   during a request in flight still forms the next batch), or every turn in progress is one of
 *   the calls waiting here (64 turns answering together go as one request). Without it (a
 *   connector made without a worker, as in unit tests), a call is lone when no other came for
 *   `GAP_MS`, and a queue leaves when no call arrived for `GAP_MS`.
 *
 * Each item settles with its own result: one record's failure goes to its caller only; a failure
 * of the whole request (network, session, limits) goes to every caller in it.
 */
export type ItemResult<O> = { ok: true; value: O } | { ok: false; error: unknown };
export type SendBatch<I, O> = (inputs: I[]) => Promise<Array<ItemResult<O>>>;

export interface CoalescerOptions {
  maxBatch: number;
  now?: () => number;
  /**
   * The worker's load in this process. Without it only arrival gaps tell load, and at a steady
   * 100 conversations/s every create waited the whole window for company.
   */
  load?: () => WorkerLoad;
}

/** Calls closer together than this are "under load": they wait (≤ windowMs) to share a request. */
export const GAP_MS = 20;
/** The longest a batch waits for its group's request in flight (a slow or hung one) before going anyway. */
export const MAX_WAIT_MS = 250;
/** How often a waiting queue looks again whether the other turns are done (they do not call in). */
const BUSY_POLL_MS = 2;

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
  /** Calls in the group's requests in flight (their turns wait too). */
  inFlightItems: number;
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
  const readLoad = options.load;
  /**
   * Given the worker's load: nothing to wait for when no conversation waits for a turn (a queue
   * still waits for its group's request in flight) or when every turn in progress is a call
   * waiting here (nobody else can join).
   */
  const isWorthWaiting = (load: WorkerLoad): boolean => {
    if (!load.isBacklogged) return false;
    let waiting = 0;
    for (const g of groups.values()) waiting += g.queue.length + g.inFlightItems;
    return load.turns > waiting;
  };

  function flush(key: string, group: Group<I, O>): void {
    if (group.timer) clearTimeout(group.timer);
    group.timer = null;
    while (group.queue.length > 0) {
      const items = group.queue.splice(0, options.maxBatch);
      group.inFlight += 1;
      group.inFlightItems += items.length;
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
      group.inFlightItems -= items.length;
      // Groups stay (one per object and connection): the last arrival time is what tells load.
      if (group.queue.length > 0) schedule(key, group);
    }
  }

  /** (Re)arms the group's timer for the moment its queue may leave. */
  function schedule(key: string, group: Group<I, O>): void {
    const t = now();
    const load = readLoad?.();
    const isWaiting = load ? isWorthWaiting(load) : undefined;
    // Knowing the worker's load beats guessing from arrival gaps.
    const due =
      isWaiting === undefined
        ? Math.min(group.lastArrivalAt + GAP_MS, group.firstQueuedAt + group.windowMs)
        : isWaiting
          ? group.firstQueuedAt + group.windowMs
          : t;
    // While a request is in flight the batch waits for it (or MAX_WAIT_MS for a slow one).
    const dueAt = group.inFlight > 0 ? group.firstQueuedAt + MAX_WAIT_MS : due;
    if (group.queue.length >= options.maxBatch || t >= dueAt) {
      flush(key, group);
      return;
    }
    if (group.timer) clearTimeout(group.timer);
    // Other turns may finish without calling here: look again shortly while they run.
    const wait = isWaiting && group.inFlight === 0 ? Math.min(BUSY_POLL_MS, dueAt - t) : dueAt - t;
    group.timer = setTimeout(
      () => {
        group.timer = null;
        schedule(key, group);
      },
      Math.max(0, Math.ceil(wait)),
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
          inFlightItems: 0,
          lastArrivalAt: -Infinity,
          firstQueuedAt: 0,
          timer: null,
        };
        groups.set(groupKey, group);
      }
      group.send = send;
      group.windowMs = windowMs;
      const isLone =
        !readLoad && group.inFlight === 0 && group.queue.length === 0 && t - group.lastArrivalAt >= GAP_MS;
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
