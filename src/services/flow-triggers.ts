import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { getChannelDefinition } from "../channels/registry.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { findTooDeep, MAX_JSON_DEPTH } from "../core/json-depth.js";
import { toE164 } from "../core/phone.js";
import { matchChannelRef } from "../flows/channel-ref.js";
import { addressForPhone, writtenAddress } from "../queue/phone-address.js";
import { enqueueRun } from "../queue/triggers.js";
import type { Store } from "../store/store.js";

/**
 * The API trigger (`POST /api/v1/flows/:id/runs`) and each flow's signed webhook
 * (`POST /hooks/flows/:id/:token`): both start a run of the flow's published version for one
 * contact, queued in the contact's conversation (queue/triggers.ts).
 */
export const StartRunBody = z
  .strictObject({
    contact: z
      .strictObject({
        channel: z.string().min(1).max(200).describe("Channel id or name the conversation is on"),
        address: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("The contact's address on that channel (WhatsApp: the wa_id digits); default from phone"),
        phone: z
          .string()
          .min(3)
          .max(40)
          .optional()
          .describe("E.164 phone number (joins the contact by phone)"),
        name: z.string().max(200).optional(),
      })
      .refine((c) => c.address !== undefined || c.phone !== undefined, {
        error: "give the contact's address on the channel, or its phone",
      }),
    input: z
      .record(z.string().min(1).max(64), z.unknown())
      .default({})
      // Depth first: JSON.stringify of a value nested thousands deep overflows the stack.
      .refine((input) => findTooDeep(input, MAX_JSON_DEPTH) === null, {
        error: `input is nested at most ${MAX_JSON_DEPTH} levels deep`,
        abort: true,
      })
      .refine((input) => Object.keys(input).length <= 100 && JSON.stringify(input).length <= 64_000, {
        error: "input is at most 100 variables and 64 KB of JSON",
      })
      .describe("Becomes the run's variables (vars.<name>)"),
  })
  .describe("Who the run is for and its input");
export type StartRunBody = z.infer<typeof StartRunBody>;

export const IdempotencyKey = z.string().min(1).max(200);

const hashToken = (token: string) => createHash("sha256").update(token).digest();

export function createFlowTriggers(deps: { store: Store; clock: Clock; notify(keys: string[]): void }) {
  const { store, clock } = deps;

  /**
   * A channel by id, name, or type when that names one channel: a user's own channel of the type
   * before the sandbox's, so a user's run never goes to the sandbox once they have the real thing.
   */
  const channelOf = async (ref: string) => {
    const channel = (await store.channels.get(ref)) ?? (await store.channels.getByName(ref));
    if (channel) return channel;
    const match = matchChannelRef(await store.channels.list(), ref);
    if ("problem" in match) throw new AppError("CHANNEL_NOT_FOUND", match.problem);
    return match.channel;
  };

  return {
    /** Queues a run; the same Idempotency-Key for the flow gives the same run and queues nothing. */
    async start(
      flowId: string,
      body: StartRunBody,
      source: "api" | "webhook",
      idempotencyKey?: string,
    ): Promise<{ runId: string; flowId: string; flowVersion: number; replayed: boolean }> {
      const flow = await store.flows.get(flowId);
      if (!flow) throw new AppError("FLOW_NOT_FOUND", `No flow with id "${flowId}"`);
      if (!flow.publishedVersion) {
        throw new AppError(
          "FLOW_NOT_PUBLISHED",
          `Flow "${flow.name}" has no published version; publish it first.`,
        );
      }
      const channel = await channelOf(body.contact.channel);
      const phone = body.contact.phone === undefined ? null : toE164(body.contact.phone);
      if (body.contact.phone !== undefined && !phone) {
        throw new AppError(
          "BAD_REQUEST",
          `contact.phone "${body.contact.phone}" is not a phone number in E.164 (+4915…)`,
        );
      }
      const definition = getChannelDefinition(channel.type);
      const given = body.contact.address;
      const hint = definition?.addressHint ?? "the address the channel uses";
      if (given !== undefined && definition?.isAddress && !definition.isAddress(given)) {
        throw new AppError(
          "BAD_REQUEST",
          `contact.address "${given.slice(0, 64)}" is not an address on ${definition.title}: give ${hint}`,
        );
      }
      // A phone is an address only where people are reached by number: elsewhere (Telegram, LINE,
      // Messenger…) the run was queued for "+49…" and failed at its first send.
      if (given === undefined && definition && !definition.addressIsPhone) {
        throw new AppError(
          "BAD_REQUEST",
          `contact.address is required on ${definition.title}, which does not reach people by phone number: give ${hint}`,
        );
      }
      // A person who already talks on this channel is reached in that conversation, under the
      // address the channel knows them by (which may not be their phone's digits as given). A
      // number written "+1 555…" on WhatsApp is the conversation of "1555…": taken as given, the
      // run waited in a conversation the customer's answer never came to.
      const address =
        given !== undefined
          ? await writtenAddress(store.contacts, channel, given)
          : phone
            ? await addressForPhone(store.contacts, channel, phone)
            : "";
      // On a channel that reaches people by number the address is their phone (flows read contact.phone).
      const contactPhone = phone ?? (definition?.addressIsPhone ? toE164(address) : null);
      const now = clock.now();
      const runId = newId("run", now);
      const result = await store.write(async (tx) => {
        if (idempotencyKey) {
          const claim = await tx.triggers.claimIdempotencyKey(flowId, idempotencyKey, runId, now);
          if (!claim.isNew) return { runId: claim.runId, key: null, replayed: true };
        }
        const queued = await enqueueRun(
          tx,
          channel.id,
          {
            runId,
            flowId,
            source,
            address,
            phone: contactPhone,
            name: body.contact.name ?? null,
            input: body.input,
            ifBusy: "replace",
          },
          runId,
          now,
        );
        return { ...queued, replayed: false };
      });
      if (result.key) deps.notify([result.key]);
      // A replay answers the run that key started: its version, not one published since.
      const started = result.replayed ? await store.runs.get(result.runId) : undefined;
      return {
        runId: result.runId,
        flowId,
        flowVersion: started?.flowVersion ?? flow.publishedVersion,
        replayed: result.replayed,
      };
    },
    /** A new webhook token for the flow (the previous one stops working); shown only here. */
    async rotateHook(flowId: string): Promise<string> {
      if (!(await store.flows.get(flowId)))
        throw new AppError("FLOW_NOT_FOUND", `No flow with id "${flowId}"`);
      const token = randomBytes(24).toString("base64url");
      await store.write((tx) => tx.triggers.setHook(flowId, hashToken(token).toString("hex"), clock.now()));
      return token;
    },
    /** Whether the token is the flow's current webhook token (constant time). */
    async isHookToken(flowId: string, token: string): Promise<boolean> {
      const stored = await store.triggers.hookHash(flowId);
      if (!stored || token.length === 0 || token.length > 200) return false;
      const expected = Buffer.from(stored, "hex");
      const given = hashToken(token);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    /** A `release` for a run a person had (handoff step or AGENT), in its conversation's turn. */
    async release(runId: string, note?: string): Promise<void> {
      const run = await store.runs.get(runId);
      if (!run) throw new AppError("RUN_NOT_FOUND", `No run with id "${runId}"`);
      if (run.status !== "waiting" || run.state.wait?.for !== "handoff") {
        throw new AppError(
          "CONFLICT",
          `Run "${runId}" is ${run.status}, not paused for a person; nothing to release.`,
        );
      }
      const now = clock.now();
      const address = run.conversationKey.slice(run.channelId.length + 1);
      const key = await store.write(async (tx) => {
        const queued = await tx.triggers.enqueue(
          run.channelId,
          address,
          { kind: "release", runId, ...(note ? { note } : {}) },
          `${runId}:${run.state.wait?.visit ?? 0}:${now}`,
          now,
        );
        if (queued) await tx.jobs.conversations([queued]);
        return queued;
      });
      if (key) deps.notify([key]);
    },
  };
}
export type FlowTriggers = ReturnType<typeof createFlowTriggers>;
