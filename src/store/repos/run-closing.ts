import { sql } from "kysely";
import type { Executor } from "../db.js";
import type { MessageError } from "./contact-messages.js";

/**
 * Inside `store.write`, once a run was ended or failed from outside its steps (the API, a global
 * keyword, a channel deleted under it): what it left open is closed, so nothing says it is still
 * going on. Its step record that waited becomes `dropped`, and a message that waited to be sent
 * again after a provider outage (its effect `failed` for now, queue/send-effects.ts) is `failed`:
 * no later round will send it, and it would otherwise show `sending` for good.
 */
export async function closeRunLeftovers(exec: Executor, runId: string, now: number): Promise<void> {
  const { q } = exec;
  await exec.run(
    q
      .updateTable("run_steps")
      .set({ status: "dropped", ended_at: now })
      .where("run_id", "=", runId)
      .where("status", "=", "waiting"),
  );
  const waiting = await exec.all(
    q
      .selectFrom("messages as m")
      .innerJoin("effects as e", "e.key", "m.effect_key")
      .select(["m.id", "e.error_json"])
      .where("m.run_id", "=", runId)
      .where("m.direction", "=", "out")
      .where("m.status", "in", ["pending", "sending"])
      .where("e.status", "=", "failed"),
  );
  for (const row of waiting) {
    const last = row.error_json ? (JSON.parse(row.error_json) as { code?: string; message?: string }) : {};
    const error: MessageError = {
      code: "CHANNEL_SEND_FAILED",
      title: "Not sent: the run ended while the message waited to be sent again.",
      ...(last.message && { message: last.message }),
    };
    await exec.run(
      q
        .updateTable("messages")
        .set({ status: "failed", status_at: now, error_json: JSON.stringify([error]) })
        .where("id", "=", row.id)
        .where(sql<boolean>`status in ('pending', 'sending')`),
    );
  }
}
