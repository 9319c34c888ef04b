/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped
 * migration: add a new one. Each carries its text for both dialects: `sql` for SQLite,
 * `postgres` for PostgreSQL (same tables, columns, keys and partial indexes; times in ms since
 * epoch are BIGINT there, SQLite's INTEGER is 64-bit already).
 */
export interface Migration {
  version: number;
  name: string;
  /** SQLite. */
  sql: string;
  /** PostgreSQL. */
  postgres: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
      CREATE TABLE connections (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
        config_json TEXT NOT NULL, secrets_sealed TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE connection_tokens (
        connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        token_sealed TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE channels (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,
        config_json TEXT NOT NULL, secrets_sealed TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE flows (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, latest_version INTEGER NOT NULL,
        published_version INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE flow_versions (
        flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE, version INTEGER NOT NULL,
        definition_json TEXT NOT NULL, created_at INTEGER NOT NULL, published_at INTEGER,
        PRIMARY KEY (flow_id, version));
      CREATE TABLE contacts (
        id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, address TEXT NOT NULL,
        phone TEXT, name TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        UNIQUE (channel_id, address));
      CREATE TABLE inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id TEXT NOT NULL,
        provider_message_id TEXT NOT NULL, conversation_key TEXT NOT NULL,
        event_json TEXT NOT NULL, received_at INTEGER NOT NULL, processed_at INTEGER,
        UNIQUE (channel_id, provider_message_id));
      CREATE INDEX inbox_pending ON inbox (conversation_key, id) WHERE processed_at IS NULL;
      CREATE TABLE messages (
        id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, contact_id TEXT NOT NULL,
        direction TEXT NOT NULL, text TEXT NOT NULL, provider_message_id TEXT,
        effect_key TEXT UNIQUE, run_id TEXT, status TEXT NOT NULL, status_at INTEGER,
        error_json TEXT, created_at INTEGER NOT NULL);
      CREATE INDEX messages_contact ON messages (contact_id, created_at);
      CREATE INDEX messages_provider ON messages (channel_id, provider_message_id);
      CREATE INDEX messages_run ON messages (run_id, created_at);
      CREATE TABLE runs (
        id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, flow_version INTEGER NOT NULL,
        channel_id TEXT NOT NULL, contact_id TEXT NOT NULL, conversation_key TEXT NOT NULL,
        status TEXT NOT NULL, state_json TEXT NOT NULL, timeout_at INTEGER,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX runs_conversation ON runs (conversation_key, created_at) WHERE status IN ('waiting', 'running');
      CREATE INDEX runs_flow ON runs (flow_id, status, created_at);
      CREATE INDEX runs_timeout ON runs (timeout_at) WHERE status = 'waiting' AND timeout_at IS NOT NULL;
      CREATE TABLE run_steps (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, visit INTEGER NOT NULL,
        step_id TEXT NOT NULL, step_type TEXT NOT NULL, status TEXT NOT NULL,
        input_json TEXT, output_json TEXT, error_json TEXT, next TEXT,
        started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, visit));
      CREATE TABLE effects (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
        result_json TEXT, error_json TEXT, attempts INTEGER NOT NULL,
        intent_at INTEGER NOT NULL, done_at INTEGER);
    `,
    postgres: `
      CREATE TABLE connections (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
        config_json TEXT NOT NULL, secrets_sealed TEXT NOT NULL,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE connection_tokens (
        connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        token_sealed TEXT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE channels (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,
        config_json TEXT NOT NULL, secrets_sealed TEXT NOT NULL,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE flows (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, latest_version INTEGER NOT NULL,
        published_version INTEGER, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE flow_versions (
        flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE, version INTEGER NOT NULL,
        definition_json TEXT NOT NULL, created_at BIGINT NOT NULL, published_at BIGINT,
        PRIMARY KEY (flow_id, version));
      CREATE TABLE contacts (
        id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, address TEXT NOT NULL,
        phone TEXT, name TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
        UNIQUE (channel_id, address));
      CREATE TABLE inbox (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, channel_id TEXT NOT NULL,
        provider_message_id TEXT NOT NULL, conversation_key TEXT NOT NULL,
        event_json TEXT NOT NULL, received_at BIGINT NOT NULL, processed_at BIGINT,
        UNIQUE (channel_id, provider_message_id));
      CREATE INDEX inbox_pending ON inbox (conversation_key, id) WHERE processed_at IS NULL;
      CREATE TABLE messages (
        id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, contact_id TEXT NOT NULL,
        direction TEXT NOT NULL, text TEXT NOT NULL, provider_message_id TEXT,
        effect_key TEXT UNIQUE, run_id TEXT, status TEXT NOT NULL, status_at BIGINT,
        error_json TEXT, created_at BIGINT NOT NULL);
      CREATE INDEX messages_contact ON messages (contact_id, created_at);
      CREATE INDEX messages_provider ON messages (channel_id, provider_message_id);
      CREATE INDEX messages_run ON messages (run_id, created_at);
      CREATE TABLE runs (
        id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, flow_version INTEGER NOT NULL,
        channel_id TEXT NOT NULL, contact_id TEXT NOT NULL, conversation_key TEXT NOT NULL,
        status TEXT NOT NULL, state_json TEXT NOT NULL, timeout_at BIGINT,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE INDEX runs_conversation ON runs (conversation_key, created_at) WHERE status IN ('waiting', 'running');
      CREATE INDEX runs_flow ON runs (flow_id, status, created_at);
      CREATE INDEX runs_timeout ON runs (timeout_at) WHERE status = 'waiting' AND timeout_at IS NOT NULL;
      CREATE TABLE run_steps (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, visit INTEGER NOT NULL,
        step_id TEXT NOT NULL, step_type TEXT NOT NULL, status TEXT NOT NULL,
        input_json TEXT, output_json TEXT, error_json TEXT, next TEXT,
        started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL,
        PRIMARY KEY (run_id, visit));
      CREATE TABLE effects (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
        result_json TEXT, error_json TEXT, attempts INTEGER NOT NULL,
        intent_at BIGINT NOT NULL, done_at BIGINT);
    `,
  },
  {
    // Who created a connection, channel or flow: the built-in sandbox owns what it creates and
    // retires it when the first real integration is created (src/sandbox/bootstrap.ts). Rows that
    // existed before are the user's; the bootstrap adopts its own from the old sandbox.json.
    version: 2,
    name: "integration_owner",
    sql: `
      ALTER TABLE connections ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
      ALTER TABLE channels ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
      ALTER TABLE flows ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
    `,
    postgres: `
      ALTER TABLE connections ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
      ALTER TABLE channels ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
      ALTER TABLE flows ADD COLUMN owner TEXT NOT NULL DEFAULT 'user';
    `,
  },
  {
    version: 3,
    name: "rejected webhook items",
    sql: `
      CREATE TABLE rejected_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id TEXT NOT NULL,
        path TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
        item_json TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE INDEX rejected_events_channel ON rejected_events (channel_id, id);
    `,
    postgres: `
      CREATE TABLE rejected_events (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, channel_id TEXT NOT NULL,
        path TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
        item_json TEXT NOT NULL, received_at BIGINT NOT NULL);
      CREATE INDEX rejected_events_channel ON rejected_events (channel_id, id);
    `,
  },
  {
    // Retention and erasure find a contact's runs (src/store/repos/retention-repo.ts); one
    // entry per run, off the per-message hot path. Incremental auto-vacuum is switched on
    // outside migrations (it needs a VACUUM, which cannot run in a transaction): sqlite-vacuum.ts.
    version: 4,
    name: "runs by contact",
    sql: `CREATE INDEX runs_contact ON runs (contact_id);`,
    postgres: `CREATE INDEX runs_contact ON runs (contact_id);`,
  },
  {
    // The job engine's liveness table: each worker process registers here and beats a heartbeat,
    // so the others can tell a dead worker's leases from a live one's. Used on PostgreSQL (many
    // processes); the SQLite table is the same shape and stays empty (one process).
    version: 5,
    name: "job workers",
    sql: `
      CREATE TABLE job_workers (
        worker_id TEXT PRIMARY KEY, process TEXT NOT NULL,
        started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL);
    `,
    postgres: `
      CREATE TABLE job_workers (
        worker_id TEXT PRIMARY KEY, process TEXT NOT NULL,
        started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL);
    `,
  },
  {
    version: 6,
    name: "conversation turns",
    sql: `
      CREATE TABLE conversation_turns (
        conversation_key TEXT PRIMARY KEY, holder TEXT NOT NULL, taken_at INTEGER NOT NULL,
        wanted INTEGER NOT NULL DEFAULT 0);
    `,
    postgres: `
      CREATE TABLE conversation_turns (
        conversation_key TEXT PRIMARY KEY, holder TEXT NOT NULL, taken_at BIGINT NOT NULL,
        wanted BOOLEAN NOT NULL DEFAULT false);
    `,
  },
  {
    // The OAuth web server flow (src/services/oauth-connect.ts): one row per authorize request,
    // keyed by the SHA-256 of its `state` (the state itself is never stored), bound to one
    // connection, single-use (deleted when the callback takes it) and short-lived. The PKCE
    // verifier is sealed with the secret key like every other secret.
    version: 7,
    name: "oauth states",
    sql: `
      CREATE TABLE oauth_states (
        state_hash TEXT PRIMARY KEY, connection_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
        verifier_sealed TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
    `,
    postgres: `
      CREATE TABLE oauth_states (
        state_hash TEXT PRIMARY KEY, connection_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
        verifier_sealed TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
      CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
    `,
  },
  {
    // A connection's health as its connector last saw it: paused (API allowance used up) until a
    // time, or waiting for a reconnect. Written by the worker, read by the admin API (any process).
    version: 8,
    name: "connection health",
    sql: `
      CREATE TABLE connection_health (
        connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        state TEXT NOT NULL, code TEXT, reason TEXT, paused_until INTEGER, since INTEGER NOT NULL,
        updated_at INTEGER NOT NULL);
    `,
    postgres: `
      CREATE TABLE connection_health (
        connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        state TEXT NOT NULL, code TEXT, reason TEXT, paused_until BIGINT, since BIGINT NOT NULL,
        updated_at BIGINT NOT NULL);
    `,
  },
  {
    // One contact is one person (issue 9): the (channel, address) pairs move to identities, one per
    // existing contact row with the contact's id (so existing ids keep working); tags and
    // attributes join the contact. SQLite cannot drop a column that is part of a UNIQUE
    // constraint, so its contacts table is rebuilt; nothing references it by foreign key.
    version: 9,
    name: "contact identities",
    sql: `
      CREATE TABLE contact_identities (
        id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, channel_id TEXT NOT NULL, address TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_inbound_at INTEGER, UNIQUE (channel_id, address));
      CREATE INDEX contact_identities_contact ON contact_identities (contact_id);
      INSERT INTO contact_identities (id, contact_id, channel_id, address, created_at, last_inbound_at)
        SELECT 'ci_' || substr(c.id, 4), c.id, c.channel_id, c.address, c.created_at,
          (SELECT max(m.created_at) FROM messages m
            WHERE m.contact_id = c.id AND m.channel_id = c.channel_id AND m.direction = 'in')
        FROM contacts c;
      CREATE TABLE contacts_v9 (
        id TEXT PRIMARY KEY, phone TEXT, name TEXT, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, attributes_json TEXT NOT NULL DEFAULT '{}');
      INSERT INTO contacts_v9 (id, phone, name, created_at, updated_at)
        SELECT id, phone, name, created_at, updated_at FROM contacts;
      DROP TABLE contacts;
      ALTER TABLE contacts_v9 RENAME TO contacts;
      CREATE INDEX contacts_phone ON contacts (phone);
      CREATE TABLE contact_tags (
        contact_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (contact_id, tag));
      CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);
    `,
    postgres: `
      CREATE TABLE contact_identities (
        id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, channel_id TEXT NOT NULL, address TEXT NOT NULL,
        created_at BIGINT NOT NULL, last_inbound_at BIGINT, UNIQUE (channel_id, address));
      CREATE INDEX contact_identities_contact ON contact_identities (contact_id);
      INSERT INTO contact_identities (id, contact_id, channel_id, address, created_at, last_inbound_at)
        SELECT 'ci_' || substr(c.id, 4), c.id, c.channel_id, c.address, c.created_at,
          (SELECT max(m.created_at) FROM messages m
            WHERE m.contact_id = c.id AND m.channel_id = c.channel_id AND m.direction = 'in')
        FROM contacts c;
      ALTER TABLE contacts DROP COLUMN channel_id, DROP COLUMN address,
        ADD COLUMN attributes_json TEXT NOT NULL DEFAULT '{}';
      CREATE INDEX contacts_phone ON contacts (phone);
      CREATE TABLE contact_tags (
        contact_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (contact_id, tag));
      CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);
    `,
  },
  {
    // A send step's fallback (queue/fallback.ts) on the message it sent: where to send it again
    // and until when, should a `failed` delivery status arrive. Cleared once it fell back.
    version: 10,
    name: "message fallback",
    sql: `ALTER TABLE messages ADD COLUMN fallback_json TEXT;`,
    postgres: `ALTER TABLE messages ADD COLUMN fallback_json TEXT;`,
  },
  {
    // The flow language's triggers (src/flows/README.md, "Triggers"): settings (global keywords),
    // opt-outs (STOP), API trigger idempotency keys, schedule firings (one per flow and scheduled
    // time, whichever process fires it) and each flow's signed webhook token (its hash).
    version: 11,
    name: "triggers",
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE contact_opt_outs (
        contact_id TEXT PRIMARY KEY, keyword TEXT NOT NULL, opted_out_at INTEGER NOT NULL);
      CREATE TABLE trigger_requests (
        flow_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, run_id TEXT NOT NULL,
        created_at INTEGER NOT NULL, PRIMARY KEY (flow_id, idempotency_key));
      CREATE TABLE schedule_firings (
        flow_id TEXT NOT NULL, scheduled_at INTEGER NOT NULL, fired_at INTEGER NOT NULL,
        audience INTEGER NOT NULL, PRIMARY KEY (flow_id, scheduled_at));
      CREATE TABLE flow_hooks (flow_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
    `,
    postgres: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE contact_opt_outs (
        contact_id TEXT PRIMARY KEY, keyword TEXT NOT NULL, opted_out_at BIGINT NOT NULL);
      CREATE TABLE trigger_requests (
        flow_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, run_id TEXT NOT NULL,
        created_at BIGINT NOT NULL, PRIMARY KEY (flow_id, idempotency_key));
      CREATE TABLE schedule_firings (
        flow_id TEXT NOT NULL, scheduled_at BIGINT NOT NULL, fired_at BIGINT NOT NULL,
        audience INTEGER NOT NULL, PRIMARY KEY (flow_id, scheduled_at));
      CREATE TABLE flow_hooks (flow_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
    `,
  },
  {
    // Browser sign-in (src/server/session.ts): the SHA-256 of each session id with its expiry, so
    // every process on the database accepts the session and signing out ends it everywhere.
    version: 12,
    name: "admin sessions",
    sql: `
      CREATE TABLE admin_sessions (
        id_hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
    `,
    postgres: `
      CREATE TABLE admin_sessions (
        id_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
      CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
    `,
  },
  {
    // The flows list shows each flow's last run: max(created_at) per flow is one index seek.
    version: 13,
    name: "runs by flow and start",
    sql: `CREATE INDEX runs_flow_created ON runs (flow_id, created_at);`,
    postgres: `CREATE INDEX runs_flow_created ON runs (flow_id, created_at);`,
  },
  {
    // The oldest contact with a phone (`contacts.oldestByPhone`: where phone = ? order by id
    // limit 1) is one index seek. With (phone) alone, PostgreSQL's generic plan for that prepared
    // statement could walk the primary key in id order and filter every row: measured 2.8 ms per
    // new conversation in a benchmark run, 31 ms at 20,000 contacts (store/README.md).
    version: 14,
    name: "contacts by phone, oldest first",
    sql: `CREATE INDEX contacts_phone_id ON contacts (phone, id); DROP INDEX contacts_phone;`,
    postgres: `CREATE INDEX contacts_phone_id ON contacts (phone, id); DROP INDEX contacts_phone;`,
  },
  {
    // An identity whose person was erased while it was being added (PostgreSQL, before 326556a)
    // outlived them and refused every later message from its address on the unique key. New ones
    // cannot happen (contact-repo.ts takes the person's row lock); this removes those left.
    version: 15,
    name: "identities of erased contacts",
    sql: `DELETE FROM contact_identities WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE contacts.id = contact_identities.contact_id);`,
    postgres: `DELETE FROM contact_identities WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE contacts.id = contact_identities.contact_id);`,
  },
  {
    // A run's visit counter as a column, for the compare-and-set of its saves (run-repo.ts):
    // read out of state_json, PostgreSQL's json operators refused a state holding a NUL (\u0000).
    version: 16,
    name: "runs visit counter",
    sql: `ALTER TABLE runs ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;`,
    postgres: `ALTER TABLE runs ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // A delivery status that came before its send's provider id was recorded, from a channel whose
    // statuses carry no correlation (Twilio, Viber, RCS): applied once the send settles
    // (queue/early-statuses.ts), instead of dropped. Holds no personal data.
    version: 17,
    name: "early delivery statuses",
    sql: `
      CREATE TABLE early_statuses (
        channel_id TEXT NOT NULL, provider_message_id TEXT NOT NULL, status TEXT NOT NULL,
        event_json TEXT NOT NULL, received_at INTEGER NOT NULL, check_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, provider_message_id, status));
      CREATE INDEX early_statuses_check ON early_statuses (check_at);
    `,
    postgres: `
      CREATE TABLE early_statuses (
        channel_id TEXT NOT NULL, provider_message_id TEXT NOT NULL, status TEXT NOT NULL,
        event_json TEXT NOT NULL, received_at BIGINT NOT NULL, check_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, provider_message_id, status));
      CREATE INDEX early_statuses_check ON early_statuses (check_at);
    `,
  },
  {
    // A flow id deleted and imported again numbered its versions from 1 anew, so an If-Match
    // ("v2") sent by an editor that read the deleted flow matched the new one's version 2 and
    // overwrote it. The id's last number is kept; its versions go on from there (flow-repo.ts).
    version: 18,
    name: "deleted flows' last versions",
    sql: `CREATE TABLE deleted_flows (id TEXT PRIMARY KEY, last_version INTEGER NOT NULL, deleted_at INTEGER NOT NULL);`,
    postgres: `CREATE TABLE deleted_flows (id TEXT PRIMARY KEY, last_version INTEGER NOT NULL, deleted_at BIGINT NOT NULL);`,
  },
  {
    // A contact whose erasure has begun: erasure runs one conversation at a time, and a merge
    // committed between two of those steps carried the rest of the person into the survivor.
    // A merge refuses a contact named here (contact-merge.ts); the erasure removes its row.
    version: 19,
    name: "contacts being erased",
    sql: `CREATE TABLE contact_erasures (contact_id TEXT PRIMARY KEY, requested_at INTEGER NOT NULL);`,
    postgres: `CREATE TABLE contact_erasures (contact_id TEXT PRIMARY KEY, requested_at BIGINT NOT NULL);`,
  },
];
