import { getChannelDefinition } from "../channels/registry.js";
import { samePersonPhones, toE164 } from "../core/phone.js";
import type { Store } from "../store/store.js";

type Contacts = Pick<Store["contacts"], "addressByPhone" | "owner">;

/**
 * The address on `channel` where a run for the person with this phone (E.164) goes: the
 * conversation they already have there (which may not be their phone's digits: WhatsApp's 521…
 * of a Mexican mobile, a Brazilian account's old 8 digits), else the number in the channel's form.
 * The API (`contact.phone`) and schedules (an audience member written as a number) both use it,
 * so the person's answer comes in the run's conversation (docs/contacts.md).
 */
export async function addressForPhone(
  contacts: Contacts,
  channel: { id: string; type: string },
  phone: string,
): Promise<string> {
  const known = await contacts.addressByPhone(samePersonPhones(phone), channel.id);
  return known ?? getChannelDefinition(channel.type)?.addressForPhone?.(phone) ?? phone;
}

/**
 * An address as a person wrote it (a schedule's audience member, an API run's `contact.address`:
 * "+49 151 …", "4915…"): kept when it is
 * already someone's identity on the channel or the channel does not reach people by number;
 * else, when it reads as a phone number, the person's conversation (`addressForPhone`).
 */
export async function writtenAddress(
  contacts: Contacts,
  channel: { id: string; type: string },
  written: string,
): Promise<string> {
  if (!getChannelDefinition(channel.type)?.addressIsPhone) return written;
  if ((await contacts.owner(channel.id, written)) !== undefined) return written;
  const phone = toE164(written);
  return phone ? addressForPhone(contacts, channel, phone) : written;
}
