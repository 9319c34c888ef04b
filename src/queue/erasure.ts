import type { Clock } from "../core/clock.js";
import { conversationKey } from "../store/repos/inbox-repo.js";
import type { Repos } from "../store/repos/index.js";
import type { Store } from "../store/store.js";

export interface ErasureDeps {
  store: Store;
  clock: Clock;
  /** PostgreSQL: the erasure is a job that takes each conversation's turn (job-tasks.ts). */
  isJobs: boolean;
  /** Lanes: runs `fn` in the conversation's lane (worker.ts). */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Erases a contact (the right to erasure): each identity's conversation in that conversation's
 * turn, then the rest of the person. Lanes: in the lanes. Jobs: as a job that takes each turn,
 * awaited for up to `waitMs`; "queued" when no worker ran it by then (it runs when one does).
 */
export async function eraseContact(
  deps: ErasureDeps,
  contactId: string,
  waitMs = 30_000,
): Promise<"erased" | "missing" | "queued"> {
  const { store, clock } = deps;
  // Marked first, in a commit of its own: from here on no merge takes this contact (or merges
  // into it) between the steps below, so the erasure is whole or, when a merge came first, none.
  const mark = (tx: Repos) => tx.retention.markErasing(contactId, clock.now());
  if (!deps.isJobs) {
    if (!(await store.write(mark))) return "missing";
    for (const identity of await store.contacts.identities(contactId)) {
      await deps.exclusive(conversationKey(identity.channelId, identity.address), () =>
        store.write((tx) =>
          tx.retention.eraseIdentity(contactId, identity.channelId, identity.address, clock.now()),
        ),
      );
    }
    const phone = (await store.contacts.get(contactId))?.phone;
    for (const key of phone ? await store.retention.strayConversations(phone) : []) {
      await deps.exclusive(key, () => store.write((tx) => tx.retention.eraseStrayConversation(key)));
    }
    const isErased = await store.write((tx) => tx.retention.eraseContact(contactId, clock.now()));
    // The WAL still holds the pages as they were before the erasure: it must not outlive it.
    await store.db.forgetErased?.();
    return isErased ? "erased" : "missing";
  }
  const isMarked = await store.write(async (tx) => {
    if (!(await mark(tx))) return false;
    await tx.jobs.erase(contactId);
    return true;
  });
  if (!isMarked) return "missing";
  return (await within(waitMs, async () => !(await store.contacts.get(contactId)))) ? "erased" : "queued";
}

/** Whether `isDone` came true within `waitMs` (looked at every 50 ms): a job run by a worker. */
async function within(waitMs: number, isDone: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (await isDone()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Erases what the inbox holds from a phone number that is no contact's (nor anyone's identity)
 * yet: messages acknowledged but not handled when the erasure came (the person's first message,
 * say, behind a backlog). Erasure wins over them: each conversation in its turn, as for a contact.
 * "missing" when there are none; "queued" as `eraseContact`.
 */
export async function erasePendingFrom(
  deps: ErasureDeps,
  phone: string,
  waitMs = 30_000,
): Promise<"erased" | "missing" | "queued"> {
  const { store } = deps;
  const keys = await store.retention.strayConversations(phone);
  if (keys.length === 0) return "missing";
  if (!deps.isJobs) {
    let isErased = false;
    for (const key of keys) {
      if (await deps.exclusive(key, () => store.write((tx) => tx.retention.eraseStrayConversation(key)))) {
        isErased = true;
      }
    }
    await store.db.forgetErased?.();
    return isErased ? "erased" : "missing";
  }
  await store.write((tx) => tx.jobs.eraseStrays(phone));
  const isErased = await within(
    waitMs,
    async () => (await store.retention.strayConversations(phone)).length === 0,
  );
  return isErased ? "erased" : "queued";
}

/** The erasures bound to a worker's store and turns (worker.ts). */
export function createErasure(deps: ErasureDeps) {
  return {
    erase: (contactId: string, waitMs?: number) => eraseContact(deps, contactId, waitMs),
    erasePendingFrom: (phone: string, waitMs?: number) => erasePendingFrom(deps, phone, waitMs),
  };
}
