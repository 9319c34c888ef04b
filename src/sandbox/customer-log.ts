/**
 * What each sandbox customer said through POST /sandbox/messages (the simulators record only what
 * Tern sent), for the Try it panel's conversation, and the display name they were given (Try it's
 * `name`), which their later messages carry as a provider's profile name would. In memory like
 * the simulators: the newest 200 messages of each of the 1,000 most recent customers.
 */
export interface SaidMessage {
  text: string;
  /** Wall-clock time (the simulators stamp what they receive with it too), ISO-8601. */
  at: string;
  /** The title of the button the customer tapped, when it was a tap. */
  choice?: string;
}

const PER_CUSTOMER = 200;
const CUSTOMERS = 1_000;

export function createCustomerLog() {
  const said = new Map<string, SaidMessage[]>();
  const names = new Map<string, string>();
  const keyOf = (type: string, from: string) => `${type}:${from}`;
  return {
    add(type: string, from: string, message: SaidMessage): void {
      const key = keyOf(type, from);
      const list = said.get(key) ?? [];
      list.push(message);
      if (list.length > PER_CUSTOMER) list.shift();
      // Re-inserted so the Map's order is least recently used first.
      said.delete(key);
      said.set(key, list);
      const oldest = said.keys().next().value;
      if (said.size > CUSTOMERS && oldest !== undefined) said.delete(oldest);
    },
    of(type: string, from: string): SaidMessage[] {
      return said.get(keyOf(type, from)) ?? [];
    },
    name(type: string, from: string, name: string): void {
      const key = keyOf(type, from);
      names.delete(key);
      names.set(key, name);
      const oldest = names.keys().next().value;
      if (names.size > CUSTOMERS && oldest !== undefined) names.delete(oldest);
    },
    nameOf(type: string, from: string): string | undefined {
      return names.get(keyOf(type, from));
    },
  };
}
