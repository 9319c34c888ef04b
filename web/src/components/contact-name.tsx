import { api } from "../api/client";
import { Link } from "./link";
import { useLoad } from "./use-load";

/**
 * A link to a contact, by name (GET /contacts/:id: one request, for a page about one run); the id
 * until it is read, or when the contact has no name or is gone (erased).
 */
export function ContactName({ id }: { id: string }) {
  const contact = useLoad(() => api.getContact(id));
  return <Link to={`/contacts/${id}`}>{contact.data?.name ?? id}</Link>;
}
