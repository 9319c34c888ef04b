import { type FormEvent, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { Contact, ContactFilter } from "../api/types";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { useLoad, useRetryAfterSignIn } from "../components/use-load";
import { when } from "../components/when";
import { replaceQuery } from "../router";

const PAGE_SIZE = 50;

/** The filters in the address bar: `/contacts?tag=vip` is a link someone can share. */
function filterFromUrl(): ContactFilter {
  const q = new URLSearchParams(location.search);
  return {
    tag: q.get("tag") ?? undefined,
    phone: q.get("phone") ?? undefined,
    channelId: q.get("channelId") ?? undefined,
  };
}

/** Contacts, newest first, by tag, phone number or channel; a page at a time. */
export function ContactsPage() {
  const channels = useLoad(api.listChannels);
  const [filter, setFilter] = useState<ContactFilter>(filterFromUrl);
  const [tag, setTag] = useState(filter.tag ?? "");
  const [phone, setPhone] = useState(filter.phone ?? "");
  const [channelId, setChannelId] = useState(filter.channelId ?? "");
  const [contacts, setContacts] = useState<Contact[]>();
  // The next page's cursor (after the last contact shown); null: no more. A cursor, not an
  // offset: a contact created meanwhile (anyone's first message) would shift an offset by one.
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // "Load more" waits for its page: a second click would append the same page again.
  const [busy, setBusy] = useState(false);
  // Each new filter starts a new generation: a page answered for an older one (a "Load more"
  // still on its way when the filter changed) is dropped, not appended to the new list.
  const generation = useRef(0);

  const load = async (f: ContactFilter, cursor?: string) => {
    const mine = generation.current;
    const isCurrent = () => generation.current === mine;
    setBusy(true);
    setError(null);
    try {
      const page = await api.listContacts({ ...f, limit: PAGE_SIZE, cursor });
      if (!isCurrent()) return;
      setContacts((previous) => (cursor && previous ? [...previous, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (e) {
      if (isCurrent()) setError(e);
    } finally {
      if (isCurrent()) setBusy(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter drives loading.
  useEffect(() => {
    generation.current += 1;
    setContacts(undefined);
    replaceQuery({ tag: filter.tag, phone: filter.phone, channelId: filter.channelId });
    void load(filter);
  }, [filter]);

  useRetryAfterSignIn(error, () => setFilter((f) => ({ ...f })));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter({
      tag: tag.trim() || undefined,
      phone: phone.replace(/[\s()-]/g, "") || undefined,
      channelId: channelId || undefined,
    });
  };
  const channelName = new Map((channels.data ?? []).map((c) => [c.id, c.name]));

  return (
    <main>
      <div className="page-head">
        <h1>Contacts</h1>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filter contacts">
        <div>
          <label htmlFor="contact-tag">Tag</label>
          <input id="contact-tag" type="text" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
        <div>
          <label htmlFor="contact-phone">Phone</label>
          <input
            id="contact-phone"
            type="text"
            inputMode="tel"
            placeholder="+15551234567"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="contact-channel">Channel</label>
          <select id="contact-channel" value={channelId} onChange={(e) => setChannelId(e.target.value)}>
            <option value="">Any channel</option>
            {(channels.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={error} />
      {contacts === undefined && !error && <p aria-busy="true">Loading contacts…</p>}
      {contacts?.length === 0 && <p>No contacts match.</p>}
      {contacts && contacts.length > 0 && (
        <table className="contacts">
          <caption className="visually-hidden">Contacts</caption>
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Phone</th>
              <th scope="col">Channels</th>
              <th scope="col">Tags</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.id} data-contact-id={c.id}>
                <td data-label="Contact" className="wrap">
                  <Link to={`/contacts/${c.id}`}>{c.name ?? c.id}</Link>
                </td>
                <td data-label="Phone">{c.phone ?? "–"}</td>
                <td data-label="Channels" className="wrap">
                  {c.identities.map((i) => channelName.get(i.channelId) ?? i.channelId).join(", ") || "–"}
                </td>
                <td data-label="Tags">
                  {c.tags.length === 0
                    ? "–"
                    : c.tags.map((t) => (
                        <span key={t} className="badge tag">
                          {t}
                        </span>
                      ))}
                </td>
                <td data-label="Updated">{when(c.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && contacts && (
        <p>
          <button
            type="button"
            className="button secondary"
            disabled={busy}
            onClick={() => void load(filter, nextCursor)}
          >
            Load more
          </button>
        </p>
      )}
    </main>
  );
}
