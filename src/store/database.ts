import type { Generated } from "kysely";

/** Who created a row: the user (through the API) or the built-in sandbox (zero-config start). */
export type Owner = "user" | "sandbox";

/** Connections and channels: a typed config whose secret fields are sealed apart. */
export interface IntegrationTable {
  id: string;
  type: string;
  name: string;
  config_json: string;
  secrets_sealed: string;
  owner: Owner;
  created_at: number;
  updated_at: number;
}

/**
 * Every table of Tern, as Kysely types. Columns ending in `_json` hold JSON text;
 * `*_sealed` hold secrets encrypted with the SecretBox. Times are ms since epoch.
 */
export interface Database {
  schema_migrations: { version: number; name: string; applied_at: number };
  connections: IntegrationTable;
  connection_tokens: { connection_id: string; token_sealed: string; updated_at: number };
  oauth_states: {
    state_hash: string;
    connection_id: string;
    redirect_uri: string;
    verifier_sealed: string;
    created_at: number;
    expires_at: number;
  };
  /** Browser sign-in sessions: the SHA-256 of the cookie's id (never the id), and when it ends. */
  admin_sessions: { id_hash: string; created_at: number; expires_at: number };
  connection_health: {
    connection_id: string;
    state: string;
    code: string | null;
    reason: string | null;
    paused_until: number | null;
    since: number;
    updated_at: number;
  };
  channels: IntegrationTable;
  flows: {
    id: string;
    name: string;
    latest_version: number;
    published_version: number | null;
    owner: Owner;
    created_at: number;
    updated_at: number;
  };
  flow_versions: {
    flow_id: string;
    version: number;
    definition_json: string;
    created_at: number;
    published_at: number | null;
  };
  /** One person; their addresses on channels are `contact_identities`. */
  contacts: {
    id: string;
    /** E.164, when a channel revealed it. */
    phone: string | null;
    name: string | null;
    /** JSON object of attribute name → value (`contact.attributes.x` in templates). */
    attributes_json: Generated<string>;
    created_at: number;
    updated_at: number;
  };
  /** A contact's address on one channel; unique per (channel, address). */
  contact_identities: {
    id: string;
    contact_id: string;
    channel_id: string;
    address: string;
    created_at: number;
    /** When this identity last wrote (a channel's window rules are checked against it). */
    last_inbound_at: number | null;
  };
  contact_tags: { contact_id: string; tag: string };
  /** Installation settings by key (`keywords`: the global keywords), JSON values. */
  settings: { key: string; value_json: string; updated_at: number };
  /** Contacts who opted out (the STOP keyword): every send to them is refused. */
  contact_opt_outs: { contact_id: string; keyword: string; opted_out_at: number };
  /** API trigger `Idempotency-Key`s: the run each one started. */
  trigger_requests: { flow_id: string; idempotency_key: string; run_id: string; created_at: number };
  /** Each schedule firing (flow, scheduled time), claimed once by whichever process fires it. */
  schedule_firings: { flow_id: string; scheduled_at: number; fired_at: number; audience: number };
  /** A flow's signed webhook: the SHA-256 of its token (the token is shown once). */
  flow_hooks: { flow_id: string; token_hash: string; created_at: number };
  /**
   * The last version number of each deleted flow: an id imported again numbers on from it, so an
   * ETag ("v3") read before the delete never matches the new flow's versions.
   */
  deleted_flows: { id: string; last_version: number; deleted_at: number };
  /** Contacts whose erasure has begun (retention-repo.ts): a merge refuses them until it ends. */
  contact_erasures: { contact_id: string; requested_at: number };
  inbox: {
    /** Arrival order within the whole inbox. */
    id: Generated<number>;
    channel_id: string;
    provider_message_id: string;
    conversation_key: string;
    event_json: string;
    received_at: number;
    processed_at: number | null;
  };
  messages: {
    id: string;
    channel_id: string;
    contact_id: string;
    direction: "in" | "out";
    text: string;
    provider_message_id: string | null;
    effect_key: string | null;
    run_id: string | null;
    status: string;
    status_at: number | null;
    error_json: string | null;
    created_at: number;
    /** JSON MessageFallback (contact-repo.ts), or null. */
    fallback_json: string | null;
  };
  runs: {
    id: string;
    flow_id: string;
    flow_version: number;
    channel_id: string;
    contact_id: string;
    conversation_key: string;
    status: string;
    state_json: string;
    timeout_at: number | null;
    /** The state's visit counter (`RunState.visits`), kept for the compare-and-set of saves. */
    visits: Generated<number>;
    created_at: number;
    updated_at: number;
  };
  run_steps: {
    run_id: string;
    visit: number;
    step_id: string;
    step_type: string;
    status: string;
    input_json: string | null;
    output_json: string | null;
    error_json: string | null;
    next: string | null;
    started_at: number;
    ended_at: number;
  };
  /**
   * A delivery status that named no message Tern knows yet: the send's settle (its provider id) may
   * not have committed when the provider's callback came (delivery-statuses.ts, queue/early-statuses.ts).
   */
  early_statuses: {
    channel_id: string;
    provider_message_id: string;
    status: string;
    /** The status's time and errors; not its recipient (no personal data here). */
    event_json: string;
    received_at: number;
    /** When the sweep looks for its message next (sooner for a new one, then less and less often). */
    check_at: number;
  };
  /** Webhook items that were acknowledged but could not be processed, kept for inspection. */
  rejected_events: {
    id: Generated<number>;
    /** The channel whose webhook URL received the item. */
    channel_id: string;
    /** JSON path of the item in the delivery. */
    path: string;
    reason: "invalid" | "unroutable" | "processing_failed";
    /** What was wrong, for a person; never message text or a phone number. */
    detail: string;
    item_json: string;
    received_at: number;
  };
  effects: {
    key: string;
    kind: string;
    status: "in_flight" | "done" | "failed";
    result_json: string | null;
    error_json: string | null;
    attempts: number;
    intent_at: number;
    done_at: number | null;
  };
  /** Worker processes of the job engine and their last heartbeat (liveness of their leases). */
  job_workers: {
    worker_id: string;
    /** Which process, for a person: host and pid. */
    process: string;
    started_at: number;
    heartbeat_at: number;
  };
  /**
   * Which job holds a conversation's turn (PostgreSQL): one job at a time per conversation
   * across every process. `holder` is `<job_workers.worker_id>/<token>`.
   */
  conversation_turns: {
    conversation_key: string;
    holder: string;
    /** Database clock, ms. */
    taken_at: number;
    /** A job found the turn taken meanwhile: the holder looks for work again after releasing. */
    wanted: Generated<boolean>;
  };
}
