/**
 * JSON.parse, with a syntax error that says where: V8 names a character position ("at position
 * 509"), which a person editing a file cannot find; this adds the line and column.
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(describeJsonError(text, error));
  }
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
