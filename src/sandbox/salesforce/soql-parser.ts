/**
 * The SOQL subset the emulator understands:
 *   SELECT f1[, f2…] FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n]
 * with cond = comparisons (= != <> < <= > >= LIKE [NOT] IN) joined by AND / OR / NOT and parentheses.
 * Literals: 'strings' (backslash escapes), numbers, true/false, null, dates and datetimes.
 * Syntax errors are MALFORMED_QUERY with Salesforce's excerpt + caret format (reference §3).
 * SOQL reference: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
 */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: "MALFORMED_QUERY" | "INVALID_FIELD" | "INVALID_TYPE",
    message: string,
  ) {
    super(message);
  }
}

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "datetime"; value: number }
  | { kind: "date"; value: string };

export interface Ident {
  name: string;
  pos: number;
}

export type Condition =
  | { kind: "and" | "or"; parts: Condition[] }
  | { kind: "not"; inner: Condition }
  | { kind: "compare"; field: Ident; op: string; value: Literal; valuePos: number }
  | { kind: "in"; field: Ident; isNegated: boolean; values: Array<{ value: Literal; pos: number }> };

export interface SoqlQuery {
  text: string;
  fields: Ident[];
  object: Ident;
  where: Condition | null;
  orderBy: { field: Ident; isDescending: boolean; isNullsLast: boolean } | null;
  limit: number | null;
}

type Token = {
  kind: "ident" | "string" | "number" | "datetime" | "date" | "op" | "eof";
  text: string;
  pos: number;
};

/** `\n<line>\n<spaces>^\nERROR at Row:r:Column:c\n<text>` as Salesforce prints it. */
export function soqlErrorText(query: string, pos: number, text: string): string {
  const before = query.slice(0, pos);
  const row = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const column = pos - lineStart + 1;
  const line = query.split("\n")[row - 1] ?? "";
  return `\n${line}\n${" ".repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${text}`;
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  '"': '"',
  "'": "'",
  "\\": "\\",
};
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^-?\d+(\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;
const OP = /^(<=|>=|!=|<>|=|<|>|\(|\)|,)/;
const LEXERS = [
  ["datetime", DATETIME],
  ["date", DATE],
  ["number", NUMBER],
  ["ident", IDENT],
  ["op", OP],
] as const;

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (pos: number, found: string) =>
    new SoqlError("MALFORMED_QUERY", soqlErrorText(q, pos, `unexpected token: '${found}'`));
  while (i < q.length) {
    const rest = q.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let value = "";
      let j = i + 1;
      for (; j < q.length && q[j] !== "'"; j++) {
        if (q[j] !== "\\") {
          value += q[j];
          continue;
        }
        const escaped = ESCAPES[q[j + 1] ?? ""];
        if (escaped === undefined) throw fail(j, q.slice(j, j + 2));
        value += escaped;
        j++;
      }
      if (j >= q.length) throw fail(i, rest);
      tokens.push({ kind: "string", text: value, pos: i });
      i = j + 1;
      continue;
    }
    const lexed = LEXERS.map(([kind, re]) => ({ kind, m: re.exec(rest) })).find((l) => l.m !== null);
    if (!lexed?.m) throw fail(i, rest.split(/\s/)[0] ?? rest);
    tokens.push({ kind: lexed.kind, text: lexed.m[0], pos: i });
    i += lexed.m[0].length;
  }
  tokens.push({ kind: "eof", text: "<EOF>", pos: q.length });
  return tokens;
}

function createCursor(q: string, tokens: Token[]) {
  let index = 0;
  const peek = (): Token => tokens[index] ?? (tokens[tokens.length - 1] as Token);
  const isKeyword = (word: string) => peek().kind === "ident" && peek().text.toUpperCase() === word;
  const unexpected = (t: Token = peek()) =>
    new SoqlError("MALFORMED_QUERY", soqlErrorText(q, t.pos, `unexpected token: '${t.text}'`));
  return {
    peek,
    isKeyword,
    unexpected,
    next: (): Token => {
      const t = peek();
      index = Math.min(index + 1, tokens.length - 1);
      return t;
    },
    expectKeyword(word: string): void {
      if (!isKeyword(word)) throw unexpected();
      index++;
    },
    expectOp(op: string): void {
      if (peek().kind !== "op" || peek().text !== op) throw unexpected();
      index++;
    },
    ident(): Ident {
      const t = peek();
      if (t.kind !== "ident") throw unexpected();
      index++;
      return { name: t.text, pos: t.pos };
    },
  };
}
type Cursor = ReturnType<typeof createCursor>;

function literal(c: Cursor): { value: Literal; pos: number } {
  const t = c.next();
  const pos = t.pos;
  switch (t.kind) {
    case "string":
      return { value: { kind: "string", value: t.text }, pos };
    case "number":
      return { value: { kind: "number", value: Number(t.text) }, pos };
    case "date":
      return { value: { kind: "date", value: t.text }, pos };
    case "datetime": {
      const ms = Date.parse(t.text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
      if (Number.isNaN(ms)) throw c.unexpected(t);
      return { value: { kind: "datetime", value: ms }, pos };
    }
    case "ident": {
      const word = t.text.toLowerCase();
      if (word === "null") return { value: { kind: "null" }, pos };
      if (word === "true" || word === "false")
        return { value: { kind: "boolean", value: word === "true" }, pos };
      throw c.unexpected(t);
    }
    default:
      throw c.unexpected(t);
  }
}

function comparison(c: Cursor): Condition {
  const field = c.ident();
  const isNegated = c.isKeyword("NOT");
  if (isNegated) c.next();
  if (c.isKeyword("IN")) {
    c.next();
    c.expectOp("(");
    const values = [literal(c)];
    while (c.peek().text === ",") {
      c.next();
      values.push(literal(c));
    }
    c.expectOp(")");
    return { kind: "in", field, isNegated, values };
  }
  if (isNegated) throw c.unexpected();
  const op = c.peek();
  const isLike = c.isKeyword("LIKE");
  if (!isLike && (op.kind !== "op" || !["=", "!=", "<>", "<", "<=", ">", ">="].includes(op.text))) {
    throw c.unexpected(op);
  }
  c.next();
  const { value, pos } = literal(c);
  return {
    kind: "compare",
    field,
    op: isLike ? "LIKE" : op.text === "<>" ? "!=" : op.text,
    value,
    valuePos: pos,
  };
}

function unary(c: Cursor): Condition {
  if (c.isKeyword("NOT")) {
    c.next();
    return { kind: "not", inner: unary(c) };
  }
  if (c.peek().kind === "op" && c.peek().text === "(") {
    c.next();
    const inner = condition(c);
    c.expectOp(")");
    return inner;
  }
  return comparison(c);
}

/** AND and OR can't be mixed at one level without parentheses (SOQL rule). */
function condition(c: Cursor): Condition {
  const first = unary(c);
  const joiner = c.isKeyword("AND") ? "and" : c.isKeyword("OR") ? "or" : null;
  if (!joiner) return first;
  const parts = [first];
  while (c.isKeyword(joiner.toUpperCase())) {
    c.next();
    parts.push(unary(c));
  }
  if (c.isKeyword("AND") || c.isKeyword("OR")) throw c.unexpected();
  return { kind: joiner, parts };
}

export function parseSoql(text: string): SoqlQuery {
  if (text.trim() === "") throw new SoqlError("MALFORMED_QUERY", "SOQL statements cannot be empty or null");
  const c = createCursor(text, tokenize(text));
  c.expectKeyword("SELECT");
  const fields = [c.ident()];
  while (c.peek().text === ",") {
    c.next();
    fields.push(c.ident());
  }
  c.expectKeyword("FROM");
  const object = c.ident();
  let where: Condition | null = null;
  if (c.isKeyword("WHERE")) {
    c.next();
    where = condition(c);
  }
  let orderBy: SoqlQuery["orderBy"] = null;
  if (c.isKeyword("ORDER")) {
    c.next();
    c.expectKeyword("BY");
    const field = c.ident();
    let isDescending = false;
    if (c.isKeyword("ASC") || c.isKeyword("DESC")) isDescending = c.next().text.toUpperCase() === "DESC";
    let isNullsLast = false;
    if (c.isKeyword("NULLS")) {
      c.next();
      if (!c.isKeyword("FIRST") && !c.isKeyword("LAST")) throw c.unexpected();
      isNullsLast = c.next().text.toUpperCase() === "LAST";
    }
    orderBy = { field, isDescending, isNullsLast };
  }
  let limit: number | null = null;
  if (c.isKeyword("LIMIT")) {
    c.next();
    const t = c.next();
    if (t.kind !== "number" || !/^\d+$/.test(t.text)) throw c.unexpected(t);
    limit = Number(t.text);
  }
  if (c.peek().kind !== "eof") throw c.unexpected();
  return { text, fields, object, where, orderBy, limit };
}
