import type { Clock } from "../core/clock.js";
import type { RunEvent } from "../flows/runtime.js";
import { conversationKey, type InboxItem } from "../store/repos/inbox-repo.js";
import {
  type ConversationJob,
  type EraseJob,
  type EraseStraysJob,
  JobTasks,
  type TimeoutJob,
} from "../store/repos/job-repo.js";
import { isPastDeadline, type RunRow } from "../store/repos/run-repo.js";
import type { TurnPeek } from "../store/repos/turn-repo.js";
import type { Repos, Store } from "../store/store.js";
import { HoldUntil } from "./burst.js";
import {
  inConversationTurn,
  type ReleaseIfIdle,
  type RenewTurn,
  TURN_BUSY_RETRY_MS,
  wake,
} from "./conversation-turn.js";
import { RetryLater } from "./failures.js";

/**
 * What a turn read before its first item, handed on so it is not read again: the active run, and
 * with none the published flows the router picks from (PostgreSQL's `takeAndPeek`).
 */
export type KnownState = Pick<TurnPeek, "run" | "published">;

export interface JobTaskDeps {
  store: Store;
  clock: Clock;
  /** The worker's: advance a run outside a message (continue, timeout); a run that cannot is failed. */
  advanceOrFail(run: RunRow, event: RunEvent, signal?: AbortSignal): Promise<void>;
  /** The worker's: handle one inbox row in its conversation's turn (`active`: what was just read). */
  processItem(item: InboxItem, signal?: AbortSignal, active?: KnownState): Promise<void>;
}

/**
 * A deadline enqueued by a sweep and still due (its job waits behind others) is enqueued again
 * after this long, not at every sweep: each enqueue would replace the waiting job.
 */
const RESWEEP_AFTER_MS = 30_000;

/**
 * A message pending this long in a conversation that no job will take has lost its wake-up (a
 * fault of Tern's or of the job engine; graphile's `add_jobs` had one, job-repo.ts): the timer's
 * sweep enqueues the conversation's job, at most this often per process, instead of leaving the
 * message for the next restart.
 */
export const STRANDED_AFTER_MS = 30_000;
/** The oldest stranded conversations a sweep looks at (normally it finds none). */
const STRANDED_PER_SWEEP = 500;

/**
 * The worker on PostgreSQL: the job engine's tasks (`tern.conversation`, `tern.erase`,
 * `tern.erase-strays`, and `tern.timeout` from older versions; enqueued by
 * `store/repos/job-repo.ts`), each in its
 * conversation's turn (`conversation-turn.ts`); the jobs for whatever the rows say is unfinished,
 * and for deadlines that passed.
 */
export function createJobTasks(deps: JobTaskDeps) {
  const { store, clock, advanceOrFail, processItem } = deps;

  /**
   * A conversation's job (PostgreSQL): continue a run left mid-step by a process that died, then
   * every pending message in arrival order. The job engine runs one job per conversation at a
   * time, across every process; a duplicate or late job finds nothing to do.
   */
  const drainConversation = async (key: string, runnerId: string, signal?: AbortSignal): Promise<void> => {
    for (let round = 0; round < 3; round++) {
      let drained = false;
      const turn = await inConversationTurn(store, key, runnerId, async (renew, releaseIfIdle, peek) => {
        drained = await drainHeld(key, renew, releaseIfIdle, peek, signal);
      });
      // Taken by another job: it looks for work again after its turn. A holder that dies or
      // stalls has its own job handed to another runner, which takes the turn from it.
      if (!turn.held) return;
      // Someone knocked while we held the turn (a job, or the ingest of a new message, which then
      // enqueued none): take it again, which reads the run and the first pending row (a look for
      // work first would cost as much when there is none, and two round trips more when there
      // is, the usual case). Stopping, hand it to a job instead.
      if (turn.knocked && signal?.aborted) return wake(store, key);
      if (!turn.wanted || !drained || signal?.aborted) return;
    }
    await wake(store, key);
  };

  /** A run to continue, a deadline that passed, or a pending message. */
  const hasWork = async (key: string): Promise<boolean> => {
    const active = await store.runs.activeFor(key);
    if (active?.status === "running" || isPastDeadline(active, clock.now())) return true;
    return (await store.inbox.nextPending(key)) !== undefined;
  };

  /** `drainConversation` holding the turn; true when it ended because nothing was pending. */
  const drainHeld = async (
    key: string,
    renew: RenewTurn,
    releaseIfIdle: ReleaseIfIdle,
    /** The run and the first pending row, read with the turn (PostgreSQL); null: read them here. */
    peek: TurnPeek | null,
    signal?: AbortSignal,
  ): Promise<boolean> => {
    const active = peek ? peek.run : await store.runs.activeFor(key);
    /** The first pending row as read with the turn, while nothing has run since (then read again). */
    let peeked = peek ? { item: peek.item } : undefined;
    const nextPending = async () => {
      const item = peeked ? peeked.item : await store.inbox.nextPending(key);
      peeked = undefined;
      return item;
    };
    // The run as read here, for the first message when nothing advanced it since (one read less).
    let known: KnownState | undefined;
    if (active?.status === "running") {
      peeked = undefined;
      await advanceOrFail(active, { type: "continue" }, signal);
    }
    // A deadline that passed (its timeout job only enqueued this one): fire it in this turn — unless
    // the run waits for a reply and a message is pending, which then decides (processItem): a reply
    // when it came before the deadline, else the deadline fires first with the reply window the
    // message reopened. A paused connection's retry always fires (its messages wait behind it).
    else if (
      isPastDeadline(active, clock.now()) &&
      (active?.state.wait?.for === "retry" || !(peeked ? peeked.item : await store.inbox.nextPending(key)))
    ) {
      peeked = undefined;
      await advanceOrFail(active, { type: "timeout" }, signal);
    } else known = { run: active, ...(peek?.published ? { published: peek.published } : {}) };
    let previous: number | null = null;
    for (let handled = 0; !signal?.aborted; handled++) {
      await renew();
      // After an item, the usual case is nothing more: look and give the turn up in one statement.
      // Else that statement read the run and the row the next item needs (one read each less).
      if (handled > 0) {
        const idle = await releaseIfIdle();
        if (idle.released) return true;
        if (idle.peek) {
          peeked = { item: idle.peek.item };
          known = { run: idle.peek.run };
        }
      }
      const item = await nextPending();
      if (!item) return true;
      // A row still pending after its turn (its run was continued first) gets one more; a row
      // that stays pending twice, or a very long backlog, goes to a fresh job rather than spin.
      if ((item.id === previous && handled > 1) || handled >= 1_000) {
        await wake(store, key);
        return false;
      }
      previous = item.id;
      try {
        await processItem(item, signal, known);
        known = undefined;
      } catch (error) {
        if (error instanceof RetryLater) return false; // its retry is a job already
        // A burst may still grow: the conversation's job comes back when its window passed (a
        // message arriving meanwhile replaces it with a job now, which holds again).
        if (error instanceof HoldUntil) {
          await store.write((tx) => tx.jobs.conversations([key], error.at));
          return false;
        }
        throw error;
      }
    }
    return false;
  };

  /**
   * Each conversation erased in its own turn, so it never interleaves with that conversation's
   * messages. False when one is busy: the caller puts the whole job off, and as what was erased
   * is gone, the next attempt continues where this one stopped.
   */
  const eraseEachInTurn = async (
    conversations: Array<{ key: string; erase: (tx: Repos) => Promise<unknown> }>,
    runnerId: string,
  ): Promise<boolean> => {
    for (const { key, erase } of conversations) {
      const turn = await inConversationTurn(store, key, runnerId, async () => {
        await store.write(async (tx) => {
          await erase(tx);
          // A job waiting for this conversation names the person in its payload.
          await tx.jobs.forgetConversation(key);
        });
      });
      if (!turn.held) return false;
      // A message that found the turn taken meanwhile (the person wrote again) still gets its job.
      if (turn.wanted && (await hasWork(key))) await wake(store, key);
    }
    return true;
  };

  /** The person's first message on a channel where the number is nobody's identity yet, waiting. */
  const strays = async (phone: string | null) =>
    (phone ? await store.retention.strayConversations(phone) : []).map((key) => ({
      key,
      erase: (tx: Repos) => tx.retention.eraseStrayConversation(key),
    }));

  /** The erasure job of a contact: each identity's conversation, its strays, then the rest. */
  const eraseInTurn = async (contactId: string, runnerId: string): Promise<void> => {
    const contact = await store.contacts.get(contactId);
    if (!contact) return;
    const conversations = [
      ...(await store.contacts.identities(contactId)).map((identity) => ({
        key: conversationKey(identity.channelId, identity.address),
        erase: (tx: Repos) =>
          tx.retention.eraseIdentity(contactId, identity.channelId, identity.address, clock.now()),
      })),
      ...(await strays(contact.phone)),
    ];
    // The conversation is busy: the erasure waits for its turn, as a later job.
    if (!(await eraseEachInTurn(conversations, runnerId))) {
      return store.write((tx) => tx.jobs.erase(contactId, clock.now() + TURN_BUSY_RETRY_MS));
    }
    await store.write((tx) => tx.retention.eraseContact(contactId, clock.now()));
  };

  /**
   * The erasure job of a phone number no contact had: its messages waiting in the inbox, and the
   * contact they became if the conversation's job ran first (it is older: a worker started after
   * a DELETE answered 202 handled the message before this job, which then found no stray left
   * and the person stayed). Erasure wins over processing: such a contact is the person too.
   */
  const eraseStraysInTurn = async (phone: string, runnerId: string): Promise<void> => {
    for (const contactId of await store.retention.contactsByPhone(phone)) {
      if (await store.write((tx) => tx.retention.markErasing(contactId, clock.now())))
        await eraseInTurn(contactId, runnerId);
    }
    if (!(await eraseEachInTurn(await strays(phone), runnerId))) {
      await store.write((tx) => tx.jobs.eraseStrays(phone, clock.now() + TURN_BUSY_RETRY_MS));
    }
  };

  /**
   * A deadline job enqueued by Tern before commit aa56a5c (deadlines are now the timer's, worker.ts):
   * a deadline that passed goes to the conversation's job; one still ahead is the timer's.
   */
  const fireTimeout = async (runId: string): Promise<void> => {
    const run = await store.runs.get(runId);
    if (run?.status !== "waiting" || run.timeoutAt === null || run.timeoutAt > clock.now()) return;
    await wake(store, run.conversationKey);
  };

  /**
   * Deadlines that passed (the timer's sweep, from every worker process): their conversations'
   * jobs, which fire them in the conversation's own turn (`drainHeld`), so a deadline never
   * interleaves with a message being handled. A deadline still due at the next sweep (its job
   * waits behind others) is not enqueued again by this process for a while.
   */
  const sweptDeadlines = new Map<string, number>();
  const deadlineOf = (run: RunRow) => `${run.id}@${run.timeoutAt}`;
  const enqueueDeadlines = async (due: readonly RunRow[]): Promise<void> => {
    const now = clock.now();
    for (const [deadline, at] of sweptDeadlines)
      if (now - at >= RESWEEP_AFTER_MS) sweptDeadlines.delete(deadline);
    const fresh = due.filter((run) => !sweptDeadlines.has(deadlineOf(run)));
    if (fresh.length === 0) return;
    await store.write((tx) => tx.jobs.conversations([...new Set(fresh.map((run) => run.conversationKey))]));
    for (const run of fresh) sweptDeadlines.set(deadlineOf(run), now);
  };

  /**
   * Conversations with a message pending for STRANDED_AFTER_MS and no job that will run for them
   * (the timer's sweep, every STRANDED_AFTER_MS at most): their jobs, enqueued. How many.
   */
  let lastStrandedSweep = Number.NEGATIVE_INFINITY;
  const rescueStranded = async (): Promise<number> => {
    const now = clock.now();
    if (now - lastStrandedSweep < STRANDED_AFTER_MS) return 0;
    lastStrandedSweep = now;
    const pending = await store.inbox.pendingSince(now - STRANDED_AFTER_MS, STRANDED_PER_SWEEP);
    if (pending.length === 0) return 0;
    const withJobs = await store.jobs.conversationsWithJobs(pending);
    const stranded = pending.filter((key) => !withJobs.has(key));
    if (stranded.length > 0) await store.write((tx) => tx.jobs.conversations(stranded));
    return stranded.length;
  };

  /**
   * Jobs for everything the rows say is unfinished: runs left mid-step, conversations with
   * pending messages, waits past their deadline. Enqueue is deduplicated per conversation, so
   * every process may do this at start.
   */
  const enqueueUnfinished = async (): Promise<void> => {
    const keys = new Set<string>();
    for (const run of await store.runs.running()) keys.add(run.conversationKey);
    for (const key of await store.inbox.pendingConversations()) keys.add(key);
    for (const run of await store.runs.dueTimeouts(clock.now())) keys.add(run.conversationKey);
    await store.write((tx) => tx.jobs.conversations([...keys]));
  };

  /** Jobs running in this process (jobs mode), for `idle()`. */
  let runningJobs = 0;
  const tracked = async (task: () => Promise<void>): Promise<void> => {
    runningJobs++;
    try {
      await task();
    } finally {
      runningJobs--;
    }
  };
  /** Jobs mode: nothing running here and nothing due in the queue (tests and shutdown wait on it). */
  const jobsIdle = async (): Promise<void> => {
    for (;;) {
      if (runningJobs === 0 && (await store.jobs.due()) === 0 && runningJobs === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    /** The job engine's tasks; payloads as `store/repos/job-repo.ts` enqueues them. */
    tasks: () => ({
      [JobTasks.conversation]: (payload: unknown, helpers: { runnerId: string; signal: AbortSignal }) =>
        tracked(() => drainConversation((payload as ConversationJob).key, helpers.runnerId, helpers.signal)),
      [JobTasks.timeout]: (payload: unknown) => tracked(() => fireTimeout((payload as TimeoutJob).runId)),
      [JobTasks.erase]: (payload: unknown, helpers: { runnerId: string }) =>
        tracked(() => {
          const job = payload as EraseJob;
          // `{ phone }`: enqueued by a build before `tern.erase-strays`, found in the table.
          return "phone" in job
            ? eraseStraysInTurn(job.phone, helpers.runnerId)
            : eraseInTurn(job.contactId, helpers.runnerId);
        }),
      [JobTasks.eraseStrays]: (payload: unknown, helpers: { runnerId: string }) =>
        tracked(() => eraseStraysInTurn((payload as EraseStraysJob).phone, helpers.runnerId)),
    }),
    enqueueUnfinished,
    enqueueDeadlines,
    rescueStranded,
    idle: jobsIdle,
  };
}
