/**
 * `application/x-www-form-urlencoded` as SMS providers post it (Twilio, Vonage): name → values,
 * repeated names kept in order. Never throws: WHATWG form decoding leaves a malformed percent
 * sequence (`%E0%A4%A`) as it is and turns invalid UTF-8 into U+FFFD, so a hostile body reads as
 * some parameters whose signature then does not match.
 * https://url.spec.whatwg.org/#urlencoded-parsing
 */
export type FormParams = Map<string, string[]>;

export function readForm(text: string): FormParams {
  const params: FormParams = new Map();
  for (const [name, value] of new URLSearchParams(text)) {
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}

// One webhook's body is read by the signature check and then by the parser: decoded once.
const formsByBody = new WeakMap<Buffer, FormParams>();

/** `readForm` of a request body, decoded once however often it is asked for (do not mutate it). */
export function formOf(rawBody: Buffer): FormParams {
  let params = formsByBody.get(rawBody);
  if (!params) {
    params = readForm(rawBody.toString("utf8"));
    formsByBody.set(rawBody, params);
  }
  return params;
}

/** The first value of each name, for reading fields (a repeated field keeps its first value). */
export function firstValues(params: FormParams): Record<string, string> {
  // No prototype, so a field named `__proto__` stays a field (and Object.fromEntries, which does
  // the same, cost a tenth of the Twilio webhook's CPU in the ack bench).
  const fields: Record<string, string> = Object.create(null);
  for (const [name, values] of params) {
    if (values[0] !== undefined) fields[name] = values[0];
  }
  return fields;
}
