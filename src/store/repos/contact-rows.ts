import { sql } from "kysely";
import type { Database } from "../database.js";
import type { Executor } from "../db.js";
import { parseAttributes } from "./contact-values.js";

/** One person, whatever channels they write on (docs/contacts.md). */
export interface Contact {
  id: string;
  /** E.164; the key that joins a person's identities on channels that reveal it. */
  phone: string | null;
  name: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** A contact as a run on one channel sees it: sends go to this identity's address. */
export interface ContactOnChannel extends Contact {
  channelId: string;
  address: string;
  /** When Tern last received a message on this identity (its clock), null before the first. */
  lastInboundAt: number | null;
}

export type ContactRow = Omit<Database["contacts"], "attributes_json"> & { attributes_json: string };

/**
 * A contact's tags as a JSON array, the `tags_json` column of a query on `contacts` (one round
 * trip, not two). Built once per dialect: Kysely's expressions are immutable, and a repository
 * is made per write on PostgreSQL.
 */
const TAGS_COLUMN = {
  postgres:
    sql<string>`(SELECT coalesce(json_agg(t.tag)::text, '[]') FROM contact_tags t WHERE t.contact_id = contacts.id)`.as(
      "tags_json",
    ),
  sqlite:
    sql<string>`(SELECT json_group_array(t.tag) FROM contact_tags t WHERE t.contact_id = contacts.id)`.as(
      "tags_json",
    ),
};
export const tagsColumn = (dialect: Executor["dialect"]) => TAGS_COLUMN[dialect];

export type ContactWithTags = ContactRow & { tags_json: string };

export const toContact = (r: ContactWithTags): Contact => ({
  id: r.id,
  phone: r.phone,
  name: r.name,
  tags: (JSON.parse(r.tags_json) as string[]).sort(),
  attributes: parseAttributes(r.attributes_json),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
