import type { Clock } from "../core/clock.js";
import { onFirstUse } from "../core/on-first-use.js";
import { matchChannelRef } from "../flows/channel-ref.js";
import type { ScheduleTrigger } from "../flows/trigger-schema.js";
import type { Store } from "../store/store.js";
import { writtenAddress } from "./phone-address.js";
import { enqueueRun, type LoadFlow, publishedWithTrigger } from "./triggers.js";

/** Loaded when a schedule trigger is first read (most deployments have none). */
const cron = onFirstUse<typeof import("cron-parser")>("cron-parser");

/** How often published schedules are looked at (a firing is at most this late). */
export const SCHEDULE_TICK_MS = 15_000;
/** A scheduled time missed by more than this (the process was down) is skipped, not fired late. */
export const SCHEDULE_MAX_LATE_MS = 60 * 60_000;

export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  flow: LoadFlow;
  notify(keys: string[]): void;
  log: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
  tickMs?: number;
}

/** Longer than any daylight-saving shift (Antarctica/Troll's is 2 h). */
const DST_SHIFT_MAX_MS = 2 * 60 * 60_000;
/** Times walked from the start of the window; a denser cron (every few seconds) asks prev(). */
const WALK_MAX = 300;

/**
 * The latest time the cron expression names, in its time zone, at or before `now` and at most
 * three hours before it (the time a firing may be late, SCHEDULE_MAX_LATE_MS, plus the longest
 * daylight-saving shift); -Infinity when there is none.
 *
 * Walked forward with next(), which names daylight-saving changes as cron does: a time in the
 * spring gap once, an hour on; a time in the autumn's repeated hour once. cron-parser's prev()
 * reads them otherwise: it skipped the gap's 02:30 (that day fired nothing), named the autumn's
 * 02:30 twice (every member got the run twice), and where a change skips or repeats the very
 * time named (midnight in America/Santiago, Havana or Beirut) it searched for ~0.3 s,
 * then threw "loop limit exceeded" at every tick for up to a day: that day's run never came.
 */
export function previousFiring(trigger: Pick<ScheduleTrigger, "cron" | "timezone">, now: number): number {
  const tz = trigger.timezone ?? "UTC";
  const parse = (from: number) =>
    cron().CronExpressionParser.parse(trigger.cron, { tz, currentDate: new Date(from) });
  // The walk starts before any change that a time still due can follow: next() names an autumn
  // 02:30 once only when it passes the first one (started in between, it names the second).
  const windowStart = now - SCHEDULE_MAX_LATE_MS - DST_SHIFT_MAX_MS;
  if (utcOffset(windowStart, tz) === utcOffset(now, tz)) {
    // No change in the window: a cron of every minute or second is due within the last minute.
    const lastMinute = latestUpTo(parse(now - 60_000), now, 60);
    if (lastMinute.latest !== null) return lastMinute.latest;
  }
  const walked = latestUpTo(parse(windowStart), now, WALK_MAX);
  if (walked.isComplete) return walked.latest ?? Number.NEGATIVE_INFINITY;
  // Hundreds of times in the window, none in its last minute (`* 9 * * *` at 10:30): prev() finds
  // one close by; if it gives up, the latest walked is the best known.
  try {
    return parse(now + 1)
      .prev()
      .getTime();
  } catch {
    return walked.latest ?? Number.NEGATIVE_INFINITY;
  }
}

/**
 * Walks `it` to the last time at or before `now`, taking at most `max` steps. next() can give up
 * too ("loop limit exceeded"; seen only on Lord Howe Island, whose clocks move by half an hour,
 * src/flows/README.md): the walk ends there.
 */
function latestUpTo(
  it: { next(): { getTime(): number } },
  now: number,
  max: number,
): { latest: number | null; isComplete: boolean } {
  let latest: number | null = null;
  for (let i = 0; i < max; i++) {
    let at: number;
    try {
      at = it.next().getTime();
    } catch {
      return { latest, isComplete: true };
    }
    if (at > now) return { latest, isComplete: true };
    latest = at;
  }
  return { latest, isComplete: false };
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `at`, in minutes. */
function utcOffset(at: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    offsetFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"));
  return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/**
 * Schedule triggers (`trigger: { type: "schedule", cron, timezone, audience }`). Every tick, each
 * published schedule's most recent scheduled time is claimed in `schedule_firings` (primary key:
 * flow, scheduled time) in the same commit that queues a run per audience member, so a time
 * fires once across restarts and any number of processes. A time before the version was
 * published, or missed by more than an hour, does not fire. A member busy in another run is skipped.
 */
export function createScheduler(deps: SchedulerDeps) {
  const { store, clock, log } = deps;
  let timer: NodeJS.Timeout | null = null;

  /** Where each audience member's run goes: (channel id, address). */
  const audienceOf = async (
    trigger: ScheduleTrigger,
  ): Promise<Array<{ channelId: string; address: string }>> => {
    const members = new Map<string, { channelId: string; address: string }>();
    const refs = trigger.audience.contacts ?? [];
    const channels = refs.length > 0 ? await store.channels.list() : [];
    for (const ref of refs) {
      // Publish checks the names (installation-check.ts); a channel deleted since is skipped.
      const match = matchChannelRef(channels, ref.channel);
      if ("problem" in match) {
        log.warn({ channel: ref.channel, problem: match.problem }, "schedule audience member skipped");
        continue;
      }
      const { channel } = match;
      // A number reaches the conversation the person talks in, as a run the API starts for it.
      const address = await writtenAddress(store.contacts, channel, ref.address);
      members.set(`${channel.id}:${address}`, { channelId: channel.id, address });
    }
    if (trigger.audience.tag) {
      for (const contactId of await store.triggers.contactsWithTag(trigger.audience.tag)) {
        const identity = await store.triggers.latestIdentity(contactId);
        if (identity) members.set(`${identity.channelId}:${identity.address}`, identity);
      }
    }
    return [...members.values()];
  };

  const fire = async (
    flowId: string,
    version: number,
    trigger: ScheduleTrigger,
    now: number,
  ): Promise<void> => {
    const at = previousFiring(trigger, now);
    if (now - at > SCHEDULE_MAX_LATE_MS) return;
    const publishedAt = (await store.flows.version(flowId, version))?.publishedAt ?? now;
    if (at < publishedAt) return;
    const audience = await audienceOf(trigger);
    const keys = await store.write(async (tx) => {
      if (!(await tx.triggers.claimFiring(flowId, at, audience.length, now))) return [];
      const queued: string[] = [];
      for (const member of audience) {
        const { key } = await enqueueRun(
          tx,
          member.channelId,
          {
            flowId,
            source: "schedule",
            address: member.address,
            input: { scheduledAt: new Date(at).toISOString() },
            ifBusy: "skip",
          },
          `${flowId}:${at}:${member.address}`,
          now,
        );
        if (key) queued.push(key);
      }
      return queued;
    });
    deps.notify(keys);
  };

  const tick = async (): Promise<void> => {
    const now = clock.now();
    for (const { flowId, version, trigger } of await publishedWithTrigger(store, deps.flow, "schedule")) {
      try {
        await fire(flowId, version, trigger, now);
      } catch (error) {
        log.error({ flowId, err: error }, "schedule trigger failed; tried again at the next tick");
      }
    }
  };

  return {
    /** Looks at every published schedule once (tests call it after moving the clock). */
    tick,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((error: unknown) => log.error({ err: error }, "schedule tick failed"));
      }, deps.tickMs ?? SCHEDULE_TICK_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
