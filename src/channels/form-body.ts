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

/** The first value of each name, for reading fields (a repeated field keeps its first value). */
export function firstValues(params: FormParams): Record<string, string> {
  // fromEntries defines own properties: a field named `__proto__` stays a field.
  return Object.fromEntries(
    [...params].flatMap(([name, values]) => (values[0] === undefined ? [] : [[name, values[0]]])),
  );
}
