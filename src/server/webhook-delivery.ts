import type { IncomingMessage } from "node:http";
import type {
  ChannelEvent,
  ParsedWebhook,
  RejectedItem,
  WebhookAnswer,
  WebhookBatch,
  WebhookRequest,
} from "../channels/channel.js";
import { AppError, isAppError } from "../core/app-error.js";
import { createLogThrottle } from "../core/log-throttle.js";
import type { ResolvedChannel } from "../services/integrations.js";
import type { RejectedEvent } from "../store/repos/rejected-event-repo.js";
import type { AppDeps } from "./app.js";
import { siblingOfDeleted } from "./deleted-channel-sibling.js";
import type { DeliveryHealth } from "./delivery-health.js";

/**
 * What a webhook delivery does once its bytes are in (`webhook-handler.ts` reads them): find the
 * channel (or, for a deleted Meta channel's URL, a sibling of the same app), verify the
 * signature, parse, route each batch to the channel owning its account, and commit the events to
 * the inbox, durably, before the answer. Handshakes (GET) too.
 */

export type WebhookDeps = Pick<
  AppDeps,
  "integrations" | "store" | "worker" | "clock" | "logger" | "metrics" | "publicUrl"
>;
export type DeliveryContext = ReturnType<typeof createDeliveryContext>;
type Context = DeliveryContext;

export function createDeliveryContext(deps: WebhookDeps, health: DeliveryHealth) {
  const { integrations, store, worker, clock, logger } = deps;
  return {
    /** Whether deliveries can be stored (`/readyz`). */
    health,
    /**
     * The URL as the provider was told it (TERN_PUBLIC_URL), without a trailing slash: signed by
     * some (Bird, Twilio). Read per request: without TERN_PUBLIC_URL it is learnt only once the
     * server listens, after this context was made.
     */
    get origin(): string {
      return deps.publicUrl.replace(/\/+$/, "");
    },
    integrations,
    store,
    worker,
    clock,
    logger,
    itemsRejected: deps.metrics.counter(
      "tern_webhook_items_rejected_total",
      "Webhook items acknowledged but not processed, by reason (invalid: did not parse; unroutable: addressed to an account no channel owns).",
    ),
    signaturesRejected: deps.metrics.counter(
      "tern_webhook_signature_rejected_total",
      "Webhook deliveries refused because their signature did not verify, by channel.",
    ),
    // A stranger decides how often a bad signature arrives: one log line per channel per minute.
    throttledLog: createLogThrottle(deps.clock),
  };
}

function toRequest(
  ctx: Context,
  req: IncomingMessage,
  query: Record<string, string>,
  rawBody: Buffer,
): WebhookRequest {
  return {
    method: req.method as "GET" | "POST",
    // Node lower-cases header names and joins repeated ones.
    headers: req.headers as Record<string, string | undefined>,
    query,
    url: ctx.origin + (req.url ?? ""),
    rawBody,
  };
}

export async function handshake(
  ctx: Context,
  channelId: string,
  req: IncomingMessage,
  query: Record<string, string>,
) {
  const channel = await ctx.integrations.channel(channelId);
  const result = channel.definition.handshake?.(toRequest(ctx, req, query, Buffer.alloc(0)), channel.config);
  if (result) return result;
  // Vonage can be set to deliver by GET: the query string is the delivery.
  if (channel.definition.acceptsGetDeliveries) return ingest(ctx, channelId, req, query, Buffer.alloc(0));
  throw new AppError("BAD_REQUEST", "Not a verification request");
}

export async function ingest(
  ctx: Context,
  channelId: string,
  req: IncomingMessage,
  query: Record<string, string>,
  body: Buffer,
) {
  const raw = toRequest(ctx, req, query, body);
  const channel = await receiver(ctx, channelId, raw);
  refuseOversize(channel, body);
  verifySignature(ctx, channel, raw);
  const plan = await route(ctx, channel, raw, channel.definition.parse(raw, channel.config));
  const now = ctx.clock.now();
  // A status without correlation that names no message, or a watermark over a send in flight,
  // is kept for a send not settled yet.
  const hasEarlyCandidates = [...plan.deliveries.values()].some((events) =>
    events.some((e) => (e.kind === "status" && !e.correlationId) || e.kind === "watermark"),
  );
  // group: many webhooks share one commit (PostgreSQL; SQLite groups every write anyway).
  const stored = ctx.store.write(
    async (tx) => {
      let keys: string[] = [];
      for (const [id, events] of plan.deliveries) {
        const added = await tx.inbox.ingest(id, events, now);
        keys = keys.length === 0 ? added : keys.concat(added);
      }
      for (const item of plan.rejected) await tx.rejectedEvents.insert({ ...item, receivedAt: now });
      // PostgreSQL: each conversation's job, in the same commit as its rows (no-op on SQLite).
      // There, messages enqueue their own jobs as their rows go in (inbox-repo.ts) and only a
      // status's fallback leaves keys; without any, the job repository is not even made.
      if (keys.length > 0) await tx.jobs.conversations(keys);
      return keys;
    },
    {
      group: true,
      // The worker starts on the rows once they are committed; the 200 still waits for the disk.
      committed: (keys) =>
        setImmediate(() => {
          ctx.worker.notify(keys);
          if (hasEarlyCandidates) ctx.worker.settleEarlyStatuses();
        }),
    },
  );
  await ctx.health.track(stored);
  for (const item of plan.rejected) {
    ctx.itemsRejected.inc({ reason: item.reason });
    // Path and reason only: the item itself may hold message text and phone numbers.
    ctx.logger.warn(
      { channelId: item.channelId, path: item.path, reason: item.reason, detail: item.detail },
      "webhook item rejected; kept in rejected_events",
    );
  }
  return channel.definition.acknowledge?.(raw, channel.config) ?? OK;
}

const OK: WebhookAnswer = { status: 200, body: "OK" };

/** The channel whose URL was posted to or, for a URL whose channel is gone, a sibling (see below). */
async function receiver(ctx: Context, channelId: string, raw: WebhookRequest): Promise<ResolvedChannel> {
  try {
    return await ctx.integrations.channel(channelId);
  } catch (error) {
    if (!isAppError(error) || error.code !== "CHANNEL_NOT_FOUND") throw error;
    const sibling = await siblingOfDeleted(ctx.integrations, raw);
    if (!sibling) throw error;
    if (ctx.throttledLog.allow(`gone:${channelId}`) !== null) {
      // Deleted channels leave no trace, so whether this id ever existed is not known: say only that none has it.
      ctx.logger.warn(
        { channelId, takenBy: sibling.id },
        "a delivery to the webhook URL of a channel id that no channel has was taken by the channel whose app secret verifies it; if that URL is in Meta's console, paste the taking channel's webhook URL there instead",
      );
    }
    return sibling;
  }
}

/** A body larger than any delivery of this provider: refused before `verify` reads it (channel.ts). */
function refuseOversize(channel: ResolvedChannel, body: Buffer): void {
  const max = channel.definition.maxWebhookBytes;
  if (max === undefined || body.length <= max) return;
  throw new AppError(
    "PAYLOAD_TOO_LARGE",
    `${channel.definition.title} deliveries are limited to ${max} bytes; this one has ${body.length}.`,
  );
}

function verifySignature(ctx: Context, channel: ResolvedChannel, raw: WebhookRequest): void {
  try {
    channel.definition.verify(raw, channel.config);
  } catch (error) {
    if (isAppError(error) && error.code === "CHANNEL_SIGNATURE_INVALID") {
      ctx.signaturesRejected.inc({ channel: channel.id });
      const suppressed = ctx.throttledLog.allow(channel.id);
      if (suppressed !== null) {
        ctx.logger.warn(
          { channelId: channel.id, reason: error.message, suppressed },
          "webhook signature rejected (at most one line per channel per minute; suppressed = lines skipped since the last)",
        );
      }
    }
    throw error;
  }
}

type Rejected = Omit<RejectedEvent, "id" | "receivedAt">;

interface Plan {
  /** Channel id → its events, in delivery order. */
  deliveries: Map<string, WebhookBatch["events"]>;
  rejected: Rejected[];
}

/**
 * Sends each batch to the channel that owns the account it was addressed to. One Meta app posts
 * every number's events to the same URL, signed with the same secret: an event for another
 * number must never be processed, or answered, as the receiving channel's. It goes to the
 * channel owning that account if that channel's own secret verifies the delivery too, and is
 * otherwise acknowledged and recorded as unroutable (refusing it would only make the provider
 * redeliver it for days). A batch that names no account is the receiving channel's: the
 * signature says it came from this channel's app.
 */
async function route(
  ctx: Context,
  channel: ResolvedChannel,
  raw: WebhookRequest,
  parsed: ParsedWebhook,
): Promise<Plan> {
  const plan: Plan = { deliveries: new Map(), rejected: [] };
  // Asked only of a batch that names an account: a channel's account may take work to compute
  // (Viber's is a digest of its token) and most deliveries name none.
  const own = () => channel.definition.account?.(channel.config);
  reject(plan, channel.id, parsed.rejected);
  for (const batch of parsed.batches) {
    const owner =
      batch.account === undefined || own() === undefined || batch.account === own()
        ? channel
        : await findOwner(ctx, channel, batch.account, raw);
    if (!owner) {
      plan.rejected.push({
        channelId: channel.id,
        path: batch.path,
        reason: "unroutable",
        detail: `addressed to account ${JSON.stringify((batch.account ?? "").slice(0, 64))}, which no channel of type "${channel.definition.type}" owns with this delivery's signing secret`,
        item: batch.raw,
      });
      continue;
    }
    reject(plan, owner.id, batch.rejected);
    const storable: ChannelEvent[] = [];
    for (const event of batch.events) {
      const tooLong = overlongKey(event);
      if (tooLong === null) storable.push(withStorableTime(event));
      else reject(plan, owner.id, [{ path: batch.path, reason: tooLong, item: event }]);
    }
    if (storable.length === 0) continue;
    const events = plan.deliveries.get(owner.id);
    if (events) events.push(...storable);
    else plan.deliveries.set(owner.id, storable);
  }
  return plan;
}

/**
 * Longest message id or sender kept, in characters: far above any provider's (a WhatsApp wamid
 * or an Instagram mid is under 200), and under what one PostgreSQL index entry holds (2,704
 * bytes; four per character at most). A longer one failed the whole delivery's insert with a 500.
 */
const MAX_KEY_CHARS = 512;

/** Why the event cannot be stored (its id or sender is indexed), or null when it can. */
function overlongKey(event: ChannelEvent): string | null {
  if (event.providerMessageId !== undefined && event.providerMessageId.length > MAX_KEY_CHARS) {
    return `the message id is longer than ${MAX_KEY_CHARS} characters (${event.providerMessageId.length})`;
  }
  if (event.kind === "message" && event.from.length > MAX_KEY_CHARS) {
    return `the sender id is longer than ${MAX_KEY_CHARS} characters (${event.from.length})`;
  }
  return null;
}

/** The latest time a Date holds, in ms: later than any a provider means. */
const MAX_TIME_MS = 8.64e15;

const isStorableTime = (ms: number): boolean => Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_TIME_MS;

/**
 * A provider's time that is no whole number of ms a Date (and a bigint column) can hold becomes
 * 0, "dated when received", as for a provider that sends none. WhatsApp's `timestamp` is a string
 * of any number of digits and others send any JSON number (1e300, 1.5, -5): PostgreSQL refused
 * such a status with a 500 for ever, and SQLite kept `Inf`. Signed by the provider, so the event
 * itself is kept.
 */
function withStorableTime(event: ChannelEvent): ChannelEvent {
  if (event.kind === "watermark") return isStorableTime(event.watermark) ? event : { ...event, watermark: 0 };
  return isStorableTime(event.timestamp) ? event : { ...event, timestamp: 0 };
}

function reject(plan: Plan, channelId: string, items: RejectedItem[]): void {
  for (const item of items) {
    plan.rejected.push({
      channelId,
      path: item.path,
      reason: "invalid",
      detail: item.reason,
      item: item.item,
    });
  }
}

async function findOwner(
  ctx: Context,
  receiver: ResolvedChannel,
  account: string,
  raw: WebhookRequest,
): Promise<ResolvedChannel | null> {
  for (const candidate of await ctx.integrations.channelsForAccount(receiver.definition.type, account)) {
    try {
      candidate.definition.verify(raw, candidate.config);
      return candidate;
    } catch {
      // Signed by another app than this channel's: not its event.
    }
  }
  return null;
}
