/**
 * What a flow or an API call may name a channel by: its id, its name, or its type when one
 * channel has that type (the user's own before the sandbox's). One rule for the API trigger, a
 * schedule's audience and the publish check, so a name that works in one works in all.
 */
export interface ChannelSummary {
  id: string;
  name: string;
  type: string;
  owner: string;
}

export function matchChannelRef<C extends ChannelSummary>(
  channels: ReadonlyArray<C>,
  ref: string,
): { channel: C } | { problem: string } {
  const named = channels.find((c) => c.id === ref) ?? channels.find((c) => c.name === ref);
  if (named) return { channel: named };
  const ofType = channels.filter((c) => c.type === ref);
  const own = ofType.filter((c) => c.owner !== "sandbox");
  const candidates = own.length > 0 ? own : ofType;
  if (candidates.length === 1 && candidates[0]) return { channel: candidates[0] };
  if (candidates.length > 1) {
    const names = candidates.map((c) => `"${c.name}"`).join(", ");
    return { problem: `Several ${ref} channels exist (${names}); name one by its id or name` };
  }
  return { problem: `No channel with id, name or type "${ref}"` };
}
