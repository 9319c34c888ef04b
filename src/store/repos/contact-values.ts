/** A change to a contact, from a flow step (`contact.tag`, `contact.set`) or the admin API. */
export interface ContactChange {
  addTags?: string[];
  removeTags?: string[];
  /** Attribute name → value; null deletes the attribute. */
  attributes?: Record<string, unknown>;
  name?: string | null;
}

/** Stored attributes; anything that is not a JSON object reads as none. */
export function parseAttributes(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** `patch` over `current`: null deletes, anything else replaces. */
export function applyAttributes(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

/** Distinct, trimmed, non-empty tags, in order. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()).filter((t) => t.length > 0))];
}
