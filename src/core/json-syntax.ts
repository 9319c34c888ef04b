/**
 * JSON.parse, with a syntax error that says where: V8 names a character position ("at position
 * 509"), which a person editing a file cannot find; this adds the line and column.
 */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(describeJsonError(text, error));
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate) throw new SyntaxError(duplicate);
  return value;
}

/** Why this valid JSON text is refused for a key written twice in one object, or null. */
export function duplicateKeyError(text: string): string | null {
  return firstDuplicateKey(text);
}

/**
 * A key written twice in one object (`"next": "a", … "next": "b"`): JSON.parse keeps the last
 * without a word, while a person reviewing the file reads the first. Scans valid JSON only.
 */
function firstDuplicateKey(text: string): string | null {
  const objects: Array<Map<string, number> | null> = [];
  const strings = /"(?:[^"\\]|\\.)*"/y;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      objects.push(new Map());
      expectKey = true;
    } else if (c === "[") {
      objects.push(null);
    } else if (c === "}" || c === "]") {
      objects.pop();
    } else if (c === ",") {
      expectKey = objects[objects.length - 1] != null;
    } else if (c === '"') {
      strings.lastIndex = i;
      const token = strings.exec(text)?.[0] ?? '""';
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(token) as string;
        const earlier = keys.get(key);
        if (earlier !== undefined) {
          const lineAt = (at: number) => text.slice(0, at).split("\n").length;
          return `the key ${token} is written twice in one object (line ${lineAt(earlier)} and line ${lineAt(i)}): JSON keeps only the last; remove one`;
        }
        keys.set(key, i);
        expectKey = false;
      }
      i += token.length - 1;
    }
  }
  return null;
}

function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /position (\d+)/.exec(message);
  const position = at ? Number(at[1]) : message.includes("Unexpected end") ? text.length : null;
  if (position === null) return message;
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${message} (line ${line} column ${column})`;
}

/**
 * The text of a JSON file's bytes. JSON is UTF-8 (RFC 8259): a leading byte order mark, which
 * Windows editors write, is dropped (the RFC lets a parser ignore it; the admin API's parser does).
 * Bytes that are not UTF-8 (a Latin-1 "é", a UTF-16 file) are refused, saying where: decoding
 * them would put U+FFFD into the flow, and an import would store the damaged text and send it.
 */
export function decodeJsonBytes(bytes: Uint8Array, fix = "save the file as UTF-8"): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new SyntaxError(`not UTF-8 but UTF-16 text: ${fix}`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const bad = firstUndecodable(bytes, text);
  if (bad !== null) {
    const before = text.slice(0, bad.index);
    const line = before.split("\n").length;
    const column = bad.index - before.lastIndexOf("\n");
    const hex = (bytes[bad.offset] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    throw new SyntaxError(
      `not UTF-8 text: byte 0x${hex} at line ${line} column ${column} (Latin-1 or Windows-1252?); ${fix}`,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Where lossy decoding put U+FFFD for bytes that were not UTF-8 (a U+FFFD written in the file is kept). */
function firstUndecodable(bytes: Uint8Array, text: string): { index: number; offset: number } | null {
  let index = text.indexOf("\uFFFD");
  while (index !== -1) {
    const offset = Buffer.byteLength(text.slice(0, index), "utf8");
    const written = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!written) return { index, offset };
    index = text.indexOf("\uFFFD", index + 1);
  }
  return null;
}
