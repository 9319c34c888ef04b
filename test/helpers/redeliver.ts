import type { createCustomer } from "../../src/sandbox/stack.js";

type Customer = ReturnType<typeof createCustomer>;

/**
 * As Meta does: the same message again, with its id, every 200 ms until it is acknowledged (200).
 * Each refusal's status goes to `refused` (a test asserts they were all 5xx, or all 503).
 */
export async function sayUntilAcknowledged(
  customer: Customer,
  text: string,
  refused: (status: number) => void = () => {},
): Promise<void> {
  let id: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const answer = await customer.say(text, id);
    if (answer.status === 200) return;
    refused(answer.status);
    if (attempt > 100) throw new Error(`${customer.from}: "${text}" never acknowledged`);
    id = answer.id;
    await new Promise((r) => setTimeout(r, 200));
  }
}
