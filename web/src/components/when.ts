/** A time for people, in their locale: from ISO 8601 or ms since the epoch. */
export const when = (value: string | number) => new Date(value).toLocaleString();
