import { useState } from "react";
import { api } from "../api/client";
import type { Channel, IntegrationType } from "../api/types";
import { CopyField } from "../components/copy-field";
import { type IntegrationDraft, IntegrationForm } from "../components/integration-form";
import { IntegrationsHead } from "../components/integrations-head";
import { confirmSandboxStepsAside } from "../components/sandbox-steps-aside";
import type { FormValue } from "../components/schema-form";
import { useLoad } from "../components/use-load";
import { ChannelActivity } from "./channel-activity";

/** Config keys a provider echoes in its verification handshake (Meta's hub.verify_token). */
const VERIFY_KEYS = ["verifyToken"];
/** Tokens the person may choose freely: filled with a random one (Telegram's secret_token too). */
const GENERATED_KEYS = ["verifyToken", "secretToken"];

const hasVerifyToken = (type: IntegrationType | undefined) =>
  Boolean(type && VERIFY_KEYS.some((k) => k in ((type.configSchema.properties as object) ?? {})));

/** 24 random bytes, URL-safe: a verify token nobody has to invent. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** What a new channel needs pasted into the provider's console, shown once after it is added. */
interface Created {
  channel: Channel;
  verifyToken?: string;
}

/**
 * Messaging channels: each with its webhook URL to paste into the provider's console, recent
 * deliveries and errors; add one of any type through a form generated from its config schema.
 */
export function ChannelsPage() {
  const list = useLoad(api.listChannels);
  const types = useLoad(api.channelTypes);
  const [isAdding, setAdding] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const typeOf = (type: string) => types.data?.find((t) => t.type === type);

  const create = async (draft: IntegrationDraft) => {
    if (!(await confirmSandboxStepsAside("channel"))) return;
    const channel = await api.createChannel(draft);
    const token = draft.config.verifyToken;
    setCreated({ channel, verifyToken: typeof token === "string" ? token : undefined });
    setAdding(false);
    setMessage(`The channel "${channel.name}" is added.`);
    list.reload();
  };
  // Based on the channel as listed: a change made since is refused (412), unless saved anyway.
  const save = (c: Channel) => async (draft: IntegrationDraft, options?: { overwrite: boolean }) => {
    const body = { name: draft.name, config: draft.config };
    const saved = await api.updateChannel(c.id, body, options?.overwrite ? undefined : c.revision);
    setEditing(null);
    setMessage(
      `The channel "${saved.name}" is saved.${saved.setup ? ` Setup at the provider: ${saved.setup.message}` : ""}`,
    );
    list.reload();
  };
  const remove = async (c: Channel) => {
    if (!window.confirm(`Delete the channel "${c.name}"? Its webhook URL stops answering.`)) return;
    setError(null);
    try {
      await api.deleteChannel(c.id);
      setMessage(`The channel "${c.name}" is deleted.`);
      if (created?.channel.id === c.id) setCreated(null);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const prefill = (type: IntegrationType): FormValue => {
    const properties = (type.configSchema.properties as object | undefined) ?? {};
    return Object.fromEntries(GENERATED_KEYS.filter((k) => k in properties).map((k) => [k, randomToken()]));
  };
  const setupAgain = async (c: Channel) => {
    setError(null);
    setMessage("");
    try {
      const { setup } = await api.setupChannel(c.id);
      if (setup?.ok) setMessage(`${c.name}: ${setup.message}`);
      else setError(new Error(`${c.name}: ${setup?.message ?? "no report"}`));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <main>
      <IntegrationsHead
        noun="channel"
        title="Channels"
        message={message}
        errors={[error, list.error ?? types.error]}
        isAdding={isAdding}
        setAdding={setAdding}
        types={types.data}
        prefill={prefill}
        onSubmit={create}
      />
      {created && <NextSteps created={created} onDone={() => setCreated(null)} />}
      {list.data === undefined && !list.error && <p aria-busy="true">Loading channels…</p>}
      {list.data?.length === 0 && <p>No channels yet. Add one to let customers write to your flows.</p>}
      <ul className="integrations">
        {(list.data ?? []).map((c) => (
          <li key={c.id} className="card" data-channel-id={c.id}>
            <h2>
              {c.name} <span className="hint">{typeOf(c.type)?.title ?? c.type}</span>
            </h2>
            {c.owner === "sandbox" && <p className="hint">Built-in sandbox channel</p>}
            <CopyField label={`Webhook URL of ${c.name}`} value={c.webhookUrl} />
            {hasVerifyToken(typeOf(c.type)) && (
              <p className="hint">
                Verify token: {c.secrets.verifyToken ? "set" : "not set"} (write-only: shown once, when the
                channel is added)
              </p>
            )}
            <ChannelActivity channelId={c.id} />
            {editing === c.id && types.data && (
              <IntegrationForm
                // A reload after a conflict brings a new revision: a new form from the stored values.
                key={c.revision}
                noun="channel"
                types={types.data}
                edit={{ type: c.type, name: c.name, config: c.config, secretsSet: Object.keys(c.secrets) }}
                onSubmit={save(c)}
                onCancel={() => setEditing(null)}
                onReload={list.reload}
              />
            )}
            <div className="row-actions">
              {c.owner === "user" && editing !== c.id && (
                <button type="button" className="button secondary" onClick={() => setEditing(c.id)}>
                  Edit<span className="visually-hidden"> {c.name}</span>
                </button>
              )}
              {typeOf(c.type)?.registersWebhook && (
                <button type="button" className="button secondary" onClick={() => void setupAgain(c)}>
                  Register webhook again<span className="visually-hidden"> for {c.name}</span>
                </button>
              )}
              <button
                type="button"
                className="button secondary danger"
                onClick={() => void remove(c)}
                aria-label={`Delete ${c.name}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

function NextSteps({ created, onDone }: { created: Created; onDone(): void }) {
  const { channel, verifyToken } = created;
  return (
    <section className="card next-steps" aria-labelledby="next-steps">
      <h2 id="next-steps">Paste these into the provider's console</h2>
      <CopyField label="Webhook URL" value={channel.webhookUrl} testId="new-webhook-url" />
      {verifyToken && <CopyField label="Verify token" value={verifyToken} testId="new-verify-token" />}
      {channel.setup && (
        <p className={channel.setup.ok ? "status" : "error"}>
          Setup at the provider: {channel.setup.message}
        </p>
      )}
      <p className="hint">
        The verify token is not shown again. Messages sent to the webhook URL start the published flows
        triggered on this channel.
      </p>
      <button type="button" className="button secondary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
