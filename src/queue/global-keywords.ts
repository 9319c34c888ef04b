import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { cutText } from "../core/cut-text.js";
import { foldText, foldWord } from "../core/fold-text.js";
import type { MessageItem } from "../store/repos/inbox-repo.js";
import { endReasonFor } from "../store/repos/run-operations.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";

/**
 * Global keywords (src/flows/README.md, "Global keywords"): words that act at any point of any
 * run, whatever the flow. Configured once (`PUT /api/v1/settings/keywords`), matched against the
 * whole message, trimmed, case-insensitively. An empty list turns a keyword off.
 */
/** In the order a message is matched against them: the first list holding a word wins. */
const ACTIONS = ["stop", "start", "agent", "restart"] as const;

const Words = z
  .array(z.string().trim().min(1).max(50))
  .max(20)
  .describe(
    "Whole messages that mean this keyword (case-insensitive, punctuation around it ignored); [] turns it off",
  );

export const KeywordSettings = z
  .strictObject({
    stop: Words.default(["STOP"]).describe(
      "Opt out: the run ends; every later send to the contact is refused",
    ),
    start: Words.default(["START"]).describe("Opt back in after STOP"),
    agent: Words.default(["AGENT"]).describe(
      "Hand the conversation to a person: the run pauses until released",
    ),
    restart: Words.default(["RESTART"]).describe("End the current run and start its flow afresh"),
  })
  .superRefine((settings, ctx) => {
    // A word in two lists acts as the first only: with "start" in stop, a contact who sent STOP
    // could never opt back in (an outside audit). Compared as messages are matched.
    const owner = new Map<string, string>();
    for (const action of ACTIONS) {
      settings[action].forEach((word, i) => {
        const folded = foldText(word);
        const first = owner.get(folded);
        if (first && first !== action)
          ctx.addIssue({
            code: "custom",
            path: [action, i],
            message: `"${word}" is already a ${first} keyword: a word can mean one thing`,
          });
        else owner.set(folded, action);
      });
    }
  });
export type KeywordSettings = z.infer<typeof KeywordSettings>;
export type KeywordAction = keyof KeywordSettings;

const SETTING_KEY = "keywords";
/** Settings are read per inbound message: cached this long (a PUT in this process refreshes at once). */
const CACHE_MS = 5_000;

export function createKeywords(store: Store, clock: Clock) {
  let cached: { settings: KeywordSettings; at: number } | null = null;

  const settings = async (): Promise<KeywordSettings> => {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.settings;
    const stored = KeywordSettings.safeParse((await store.triggers.setting(SETTING_KEY)) ?? {});
    const value = stored.success ? stored.data : KeywordSettings.parse({});
    cached = { settings: value, at: Date.now() };
    return value;
  };

  /** The keyword a whole message is, if any (with the word as configured). */
  const match = async (text: string): Promise<{ action: KeywordAction; word: string } | null> => {
    const said = foldText(text);
    if (said.length === 0 || said.length > 50) return null;
    const all = await settings();
    // As written first; then without the punctuation a word is sent with ("Stop.", "STOP!").
    for (const fold of [foldText, foldWord]) {
      const form = fold(text);
      for (const action of ACTIONS) {
        const word = all[action].find((w) => fold(w) === form);
        if (word) return { action, word };
      }
    }
    return null;
  };

  return {
    settings,
    async put(value: KeywordSettings): Promise<KeywordSettings> {
      await store.write((tx) => tx.triggers.putSetting(SETTING_KEY, value, clock.now()));
      cached = { settings: value, at: Date.now() };
      return value;
    },
    /**
     * The keyword a message acts as in its conversation: as `match`, or the provider's opt-out
     * signal (`InboundMessage.optOut`), except that START acts only for an opted-out contact; from
     * anyone else it is an ordinary message (a flow's keyword, an answer: "yes"), so a flow
     * triggered by "start" still works.
     */
    async forMessage(item: MessageItem): Promise<{ action: KeywordAction; word: string } | null> {
      // The provider's own opt-out (Twilio's words) acts whatever the configured list says.
      const { optOut } = item.message;
      const said = item.message.content.text.trim();
      const keyword = optOut
        ? { action: optOut, word: cutText(said, 50) || optOut.toUpperCase() }
        : await match(said);
      if (keyword?.action !== "start") return keyword;
      const contactId = await store.contacts.owner(item.channelId, item.message.from);
      const isOptedOut = contactId !== undefined && (await store.triggers.optedOut(contactId)) !== undefined;
      return isOptedOut ? keyword : null;
    },
    match,
  };
}
export type Keywords = ReturnType<typeof createKeywords>;

/**
 * Acts on a keyword message in its conversation's turn, in one commit with the message's record:
 * STOP ends the active run and opts the contact out; START opts back in; AGENT pauses a run that
 * waits for the contact (the same pause as a `handoff` step; released by the API). RESTART ends
 * the active run and returns the flow to start afresh (the caller starts it with this message);
 * without an active run, the flow of the conversation's last run.
 */
export async function actOnKeyword(
  deps: { store: Store; clock: Clock },
  keyword: { action: KeywordAction; word: string },
  item: MessageItem,
  active: RunRow | undefined,
): Promise<{ restartFlowId: string } | null> {
  const { store, clock } = deps;
  const msg = item.message;
  const now = clock.now();
  if (keyword.action === "restart") {
    if (active) {
      await store.write((tx) =>
        tx.runOps.end(
          active.id,
          endReasonFor(
            active,
            { code: "RUN_RESTARTED", message: `Ended: the contact sent ${keyword.word} to start afresh.` },
            now,
          ),
          now,
        ),
      );
    }
    const flowId = active?.flowId ?? (await store.triggers.lastFlowOf(item.conversationKey));
    return flowId ? { restartFlowId: flowId } : null;
  }
  await store.write(
    async (tx) => {
      const contact = await tx.contacts.upsert(
        item.channelId,
        msg.from,
        msg.phone ?? null,
        msg.profileName ?? null,
        now,
      );
      await tx.contacts.addMessage({
        channelId: item.channelId,
        contactId: contact.id,
        direction: "in",
        text: msg.content.text,
        providerMessageId: msg.providerMessageId,
        effectKey: `in:${item.id}`,
        runId: active?.id ?? null,
        status: "received",
        now,
      });
      if (keyword.action === "stop") {
        await tx.triggers.optOut(contact.id, keyword.word, now);
        if (active) {
          await tx.runOps.end(
            active.id,
            endReasonFor(
              active,
              {
                code: "CONTACT_OPTED_OUT",
                message: `Ended: the contact sent ${keyword.word} and opted out.`,
              },
              now,
            ),
            now,
          );
        }
      } else if (keyword.action === "start") {
        await tx.triggers.optIn(contact.id);
      } else if (active?.status === "waiting" && active.state.wait?.for === "reply") {
        const wait = active.state.wait;
        await tx.triggers.replaceWait(
          {
            ...active.state,
            wait: { ...wait, for: "handoff", timeoutAt: null },
            handoff: { since: now, via: "keyword", wait },
          },
          now,
        );
      }
      await tx.inbox.markProcessed(item.id, now);
    },
    { durable: false },
  );
  return null;
}
