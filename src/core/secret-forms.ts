/**
 * A secret as it may come back in a provider's answer that echoes the request: as it is, inside a
 * JSON string, or URL- or form-encoded (a Salesforce password or client secret in a token request
 * body, a Vonage secret in a query). Longest first, so a form is replaced before a part of it.
 */
export function secretForms(secret: string): string[] {
  if (secret.length === 0) return [];
  const forms = [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every secret (at least `minLength` long) as `[redacted]`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string>, minLength = 1): string {
  let out = text;
  const forms = secrets.filter((s) => s.length >= minLength).flatMap(secretForms);
  for (const form of forms.sort((a, b) => b.length - a.length)) out = out.split(form).join("[redacted]");
  return out;
}
