import type { ContactUpdate, ContactView } from "./runtime.js";

/**
 * Applies a `contact.tag` / `contact.set` change to an in-memory contact view (the hosts that keep
 * no store: `tern flows test` and the engine's test host). Tags stay sorted; null deletes.
 */
export function applyContactUpdate(contact: ContactView, change: ContactUpdate): void {
  const tags = new Set(contact.tags ?? []);
  for (const tag of change.addTags ?? []) tags.add(tag);
  for (const tag of change.removeTags ?? []) tags.delete(tag);
  const attributes = { ...contact.attributes };
  for (const [name, value] of Object.entries(change.attributes ?? {})) {
    if (value === null) delete attributes[name];
    else attributes[name] = value;
  }
  contact.tags = [...tags].sort();
  contact.attributes = attributes;
}
