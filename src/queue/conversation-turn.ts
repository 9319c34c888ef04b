import { randomBytes } from "node:crypto";
import type { TurnPeek } from "../store/repos/turn-repo.js";
import type { Store } from "../store/store.js";
import { HandedBackError } from "./failures.js";

/** An erasure that found its conversation's turn taken runs again this much later. */
export const TURN_BUSY_RETRY_MS = 1_000;
/** A holder renews its turn when it is older than this (`TURN_STALE_MS` frees it at 5 min). */
const RENEW_AFTER_MS = 60_000;

/** Proves the turn is still this job's before the next item; throws HandedBackError if not. */
export type RenewTurn = () => Promise<void>;

/**
 * Gives the turn up now if the conversation has nothing pending (one statement for the last look
 * and the release): `released`; else the holder goes on, with what the same statement read of the
 * active run and the first pending row (`peek`; null where nothing was read: SQLite).
 */
export type ReleaseIfIdle = () => Promise<{ released: true } | { released: false; peek: TurnPeek | null }>;

/**
 * What became of a turn: not taken (another job holds it), or held and whether anyone knocked
 * (`wanted`: a knock the holder has not looked past; `knocked`: any knock while it held the turn,
 * including ones cleared as it went on to a pending row).
 */
export type TurnOutcome = { held: false } | { held: true; wanted: boolean; knocked: boolean };

/**
 * Runs `fn` holding the conversation's turn (PostgreSQL: one job per conversation at a time,
 * across every process; see `store/repos/turn-repo.ts`). Jobs carry no named queue (graphile
 * 0.17 pays for every queue row on each fetch), so two jobs of one conversation may start
 * together; the second finds the turn taken, knocks and returns at once. `wanted` tells the
 * holder a job knocked: it looks for work again, so nothing that arrived meanwhile is left.
 * Take, knock and release are single statements (autocommit): a turn is not worth a transaction.
 */
export async function inConversationTurn(
  store: Store,
  key: string,
  runnerId: string,
  fn: (renew: RenewTurn, releaseIfIdle: ReleaseIfIdle, peek: TurnPeek | null) => Promise<void>,
): Promise<TurnOutcome> {
  const holder = `${runnerId}/${randomBytes(6).toString("base64url")}`;
  const take = () => store.turns.take(key, holder);
  let peek: TurnPeek | null = null;
  for (let attempt = 0; ; attempt++) {
    // What the job reads first comes with the turn (turn-repo.ts `takeAndPeek`).
    const outcome = await store.turns.takeAndPeek(key, holder);
    if (outcome.taken) {
      peek = outcome.peek;
      break;
    }
    // Held by another: knock, and it looks again after its turn. Released in between: take it.
    if ((await store.turns.knock(key)) || attempt >= 5) return { held: false };
  }
  let takenAt = Date.now();
  const renew: RenewTurn = async () => {
    if (Date.now() - takenAt < RENEW_AFTER_MS) return;
    if (!(await take())) throw new HandedBackError();
    takenAt = Date.now();
  };
  let wanted = false;
  let wasQuieted = false;
  let isReleased = false;
  const releaseIfIdle: ReleaseIfIdle = async () => {
    const outcome = await store.turns.releaseIfIdle(key, holder);
    wasQuieted ||= outcome.quieted;
    if (!outcome.released) return { released: false, peek: outcome.peek };
    isReleased = true;
    wanted = outcome.wanted;
    return { released: true };
  };
  let failure: { error: unknown } | undefined;
  try {
    await fn(renew, releaseIfIdle, peek);
  } catch (error) {
    failure = { error };
  }
  if (!isReleased) {
    try {
      wanted = await store.turns.release(key, holder);
    } catch (error) {
      // The database went away (a restart, a failover): the turn would stay held by this live
      // runner, and every later job of the conversation would knock and leave for 5 minutes.
      releaseWhenBack(store, key, holder);
      failure ??= { error };
    }
  }
  if (failure) {
    // A job knocked and left, counting on this one to look again. Failing, this one never will:
    // the knocker's enqueue found it running, so graphile's add_job took its key and set its
    // attempts to the maximum (no retry). The message that came meanwhile gets a fresh job; so
    // does one whose knock was cleared as this holder went on to it (it may be what failed).
    if (wanted || wasQuieted) await wake(store, key).catch(() => wakeWhenBack(store, key));
    throw failure.error;
  }
  return { held: true, wanted, knocked: wanted || wasQuieted };
}

/** Longest pause between tries of a release that failed (`releaseWhenBack`). */
const RELEASE_RETRY_MAX_MS = 10_000;

/**
 * Releases the turn once the database answers again, trying with a growing pause; a job that
 * knocked meanwhile gets a fresh job for the conversation (it returned at once). A process that
 * stops first leaves the turn to its runner's reaping (`job_workers`), as a crash does.
 */
function releaseWhenBack(store: Store, key: string, holder: string, delayMs = 250): void {
  const timer = setTimeout(() => {
    store.turns.release(key, holder).then(
      (wanted) => {
        if (wanted) wake(store, key).catch(() => wakeWhenBack(store, key));
      },
      () => releaseWhenBack(store, key, holder, Math.min(delayMs * 2, RELEASE_RETRY_MAX_MS)),
    );
  }, delayMs);
  timer.unref();
}

/** Enqueues the conversation's job: a job that knocked left, and nothing else will look. */
export function wake(store: Store, key: string): Promise<void> {
  return store.write((tx) => tx.jobs.conversations([key]));
}

/**
 * `wake` once the database answers again, with a growing pause; after the last try the timer's
 * stranded-message sweep (job-tasks.ts, within a minute) is what enqueues it.
 */
function wakeWhenBack(store: Store, key: string, delayMs = 250): void {
  const timer = setTimeout(() => {
    wake(store, key).catch(() => {
      if (delayMs < RELEASE_RETRY_MAX_MS) wakeWhenBack(store, key, delayMs * 2);
    });
  }, delayMs);
  timer.unref();
}
