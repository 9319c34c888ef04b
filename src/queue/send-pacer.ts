import type { Clock } from "../core/clock.js";

/**
 * Paces sends per channel to the provider's documented rate (ChannelCapabilities.sendRatePerSecond)
 * and holds a channel's sends after a 429 until its Retry-After has passed, so one rate-limited
 * conversation does not make every other conversation on the channel hit the limit too.
 *
 * Per process: N worker processes each keep to the rate, so the provider can see up to N times it;
 * its 429 + Retry-After then pauses each process. Hand-written: a token bucket this small is
 * clearer than a dependency (the pause on Retry-After is what generic limiters lack).
 */
export interface SendPacer {
  /** Resolves when a send on `channelId` may leave (reserves that slot). */
  wait(channelId: string, perSecond: number | undefined): Promise<void>;
  /** The provider said "slow down": no send on `channelId` before `afterMs` from now. */
  pause(channelId: string, afterMs: number): void;
}

/** At most this long a send waits for its slot; beyond it the backlog is the provider's to refuse. */
const MAX_WAIT_MS = 60_000;
/**
 * The longest "retry after" honoured in full (Telegram's flood control asks for minutes at
 * times); a longer one is waited this long, and the provider refuses again if it must.
 */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

export function createSendPacer(clock: Clock, sleep: (ms: number) => Promise<void>): SendPacer {
  const nextSlot = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  let last = Number.NEGATIVE_INFINITY;
  /**
   * The clock, with the slots and pauses moved along when it stepped back (NTP, a VM resumed):
   * they are times to wait, and an hour's step back had every send on every channel wait the
   * 60 s cap, and a 30 s pause last an hour and a half.
   */
  const readNow = (): number => {
    const at = clock.now();
    if (at < last) {
      for (const times of [nextSlot, pausedUntil])
        for (const [channelId, time] of times) times.set(channelId, time - (last - at));
    }
    last = at;
    return at;
  };
  return {
    async wait(channelId, perSecond) {
      const now = readNow();
      const paused = pausedUntil.get(channelId) ?? 0;
      if (paused <= now) pausedUntil.delete(channelId);
      let at = Math.max(now, paused);
      if (perSecond !== undefined && perSecond > 0) {
        at = Math.max(at, nextSlot.get(channelId) ?? 0);
        nextSlot.set(channelId, at + 1000 / perSecond);
      }
      // The provider's pause in full; this process's own backlog at most MAX_WAIT_MS beyond it.
      const delay = Math.min(at - now, Math.max(0, paused - now) + MAX_WAIT_MS);
      if (delay > 0) await sleep(delay);
      // Idle channels leave no entry behind (thousands of channels, most quiet).
      if ((nextSlot.get(channelId) ?? 0) <= readNow()) nextSlot.delete(channelId);
    },
    pause(channelId, afterMs) {
      const until = readNow() + Math.min(afterMs, MAX_RETRY_AFTER_MS);
      if (until > (pausedUntil.get(channelId) ?? 0)) pausedUntil.set(channelId, until);
    },
  };
}
