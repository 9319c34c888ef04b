/**
 * Where a flow file (read with JSON.parse, as the CLI reads it) has a key "__proto__". Zod and
 * Tern's renderers build objects by assignment, where that key sets the prototype instead of a
 * value: the variable, attribute, header or field it named was silently dropped. (The API's JSON
 * parser refuses such keys already; files do not pass through it.) At most `max` paths.
 */
export function protoKeyPaths(input: unknown, max = 10): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = [];
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: input, path: [] }];
  for (let item = stack.pop(); item && found.length < max; item = stack.pop()) {
    if (item.value === null || typeof item.value !== "object") continue;
    const isArray = Array.isArray(item.value);
    for (const [key, value] of Object.entries(item.value)) {
      const path = [...item.path, isArray ? Number(key) : key];
      if (key === "__proto__") found.push(path);
      else stack.push({ value, path });
    }
  }
  return found;
}

export const PROTO_KEY_MESSAGE =
  '"__proto__" cannot be a name here (JavaScript reserves it: the value would be lost); choose another name';
