import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { useLoad } from "../components/use-load";
import { when } from "../components/when";
import { ContactConversations } from "./contact-conversations";
import { ContactErase } from "./contact-erase";
import { RunStatusBadge } from "./runs-page";

/**
 * One contact: identities on each channel, tags (add, remove), attributes, the records its runs
 * made in Salesforce, its runs, and its conversations.
 */
export function ContactPage({ id }: { id: string }) {
  const contact = useLoad(() => api.getContact(id));
  const channels = useLoad(api.listChannels);
  const records = useLoad(() => api.contactRecords(id));
  const runs = useLoad(() => api.listRuns({ contactId: id, limit: 10 }));
  const [newTag, setNewTag] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState("");
  const [erasure, setErasure] = useState<{ state: "erased" | "queued"; message: string } | null>(null);

  /** Whether the change was made: a refused tag stays in the field, to be corrected. */
  const changeTags = async (change: { add?: string[]; remove?: string[] }, done: string) => {
    setError(null);
    setMessage("");
    try {
      await api.changeTags(id, change);
      setMessage(done);
      contact.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const addTag = (event: FormEvent) => {
    event.preventDefault();
    const tag = newTag.trim();
    if (!tag) {
      // Said here, in place of whatever an earlier change left on screen.
      setMessage("");
      setError(
        new Error("Type a tag first: letters, digits and _ . : - / (no spaces), e.g. vip or lead:hot."),
      );
      return;
    }
    void changeTags({ add: [tag] }, `Tag "${tag}" added.`).then((isDone) => isDone && setNewTag(""));
  };

  const channelName = new Map((channels.data ?? []).map((c) => [c.id, c.name]));
  const data = contact.data;
  if (erasure?.state === "erased") {
    return (
      <main>
        <h1>{data?.name ?? <code>{id}</code>}</h1>
        <p role="status" className="status">
          {erasure.message}
        </p>
        <p>
          <Link to="/contacts">← Contacts</Link>
        </p>
      </main>
    );
  }
  return (
    <main>
      <p>
        <Link to="/contacts">← Contacts</Link>
      </p>
      <div className="page-head">
        <h1>{data?.name ?? <code>{id}</code>}</h1>
        {data && !erasure && (
          <div className="actions">
            <ContactErase
              contact={data}
              onDone={(outcome) => {
                setErasure(outcome);
                setError(null);
                setMessage(outcome.message);
              }}
            />
          </div>
        )}
      </div>
      <ErrorMessage error={contact.error} />
      <ErrorMessage error={error} />
      <p role="status" className="status">
        {message}
      </p>
      {data === undefined && !contact.error && <p aria-busy="true">Loading the contact…</p>}
      {data && (
        <>
          <dl className="facts">
            <dt>Id</dt>
            <dd className="wrap">{data.id}</dd>
            <dt>Phone</dt>
            <dd>{data.phone ?? "–"}</dd>
            <dt>First seen</dt>
            <dd>{when(data.createdAt)}</dd>
          </dl>

          <h2>Identities</h2>
          <table className="identities">
            <caption className="visually-hidden">The contact's address on each channel</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Address</th>
                <th scope="col">Last message</th>
              </tr>
            </thead>
            <tbody>
              {data.identities.map((i) => (
                <tr key={i.id} data-identity-id={i.id}>
                  <td data-label="Channel">{channelName.get(i.channelId) ?? i.channelId}</td>
                  <td data-label="Address" className="wrap">
                    {i.address}
                  </td>
                  <td data-label="Last message">{i.lastInboundAt ? when(i.lastInboundAt) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Tags</h2>
          <ul className="tags" aria-label="Tags">
            {data.tags.length === 0 && <li className="hint">No tags.</li>}
            {data.tags.map((tag) => (
              <li key={tag}>
                <span className="badge tag">{tag}</span>
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => void changeTags({ remove: [tag] }, `Tag "${tag}" removed.`)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <form className="filters" onSubmit={addTag} aria-label="Add a tag">
            <div>
              <label htmlFor="new-tag">New tag</label>
              <input id="new-tag" type="text" value={newTag} onChange={(e) => setNewTag(e.target.value)} />
            </div>
            <button type="submit">Add tag</button>
          </form>

          <h2>Attributes</h2>
          {Object.keys(data.attributes).length === 0 ? (
            <p className="hint">No attributes.</p>
          ) : (
            <dl className="facts attributes">
              {Object.entries(data.attributes).map(([key, value]) => (
                <div key={key} className="fact">
                  <dt>{key}</dt>
                  <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                </div>
              ))}
            </dl>
          )}
        </>
      )}

      {!contact.error && (
        <>
          <h2>Salesforce records</h2>
          <ErrorMessage error={records.error} />
          {records.data?.length === 0 && <p className="hint">No records from this contact's runs.</p>}
          <ul className="records">
            {(records.data ?? []).map((r) => (
              <li key={r.id}>
                {r.object ?? "Record"}{" "}
                <a href={r.url} target="_blank" rel="noreferrer" className="sf-record">
                  {r.id}
                </a>{" "}
                <span className="hint">
                  by <Link to={`/runs/${r.runId}`}>{r.stepId}</Link>, {when(r.at)}
                </span>
              </li>
            ))}
          </ul>

          <h2>Runs</h2>
          <ErrorMessage error={runs.error} />
          {runs.data?.items.length === 0 && <p className="hint">No runs.</p>}
          <ul className="contact-runs">
            {(runs.data?.items ?? []).map((r) => (
              <li key={r.id} data-run-id={r.id}>
                <Link to={`/runs/${r.id}`}>{r.id}</Link> <RunStatusBadge status={r.status} />{" "}
                <span className="hint">{when(r.createdAt)}</span>
              </li>
            ))}
          </ul>
          <p>
            <Link to={`/runs?contactId=${encodeURIComponent(id)}`}>All runs of this contact</Link>
          </p>
        </>
      )}
      {data && <ContactConversations messages={data.messages} channelName={channelName} />}
    </main>
  );
}
