import type { XMLParser } from "fast-xml-parser";
import { onFirstUse } from "../../core/on-first-use.js";

/**
 * WeChat posts small flat XML documents (`<xml><ToUserName><![CDATA[…]]></ToUserName>…</xml>`).
 * Read with fast-xml-parser, hardened: no DOCTYPE at all, so no entity of a document's own to
 * expand (billion laughs, XXE; WeChat never sends one, and Tencent's own samples were patched
 * against XXE in 2018), every value a string so 64-bit ids such as `MsgId` stay exact. Text
 * outside CDATA has its character references and predefined entities decoded (XML 1.0 §4.1,
 * §4.6: `x &lt;3` is "x <3", `&#20320;` is "你"); CDATA is taken as written.
 */
const fastXmlParser = onFirstUse<typeof import("fast-xml-parser")>("fast-xml-parser");
let parser: XMLParser | undefined;
const parserOptions = {
  processEntities: true,
  // Also what decodes numeric character references (`&#20320;`, `&#x4F60;`).
  htmlEntities: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  maxNestedTags: 8,
};

/** The children of the `<xml>` root as strings (or nested objects/arrays), or null if it is not such a document. */
export function readWeChatXml(text: string): Record<string, unknown> | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  return readFlat(text) ?? readWithParser(text);
}

/**
 * The delivery's own document (in safe mode the envelope around `<Encrypt>`), read once per
 * request: the signature check and the parse both need it.
 */
const deliveries = new WeakMap<Buffer, Record<string, unknown> | null>();
export function readDeliveryXml(rawBody: Buffer): Record<string, unknown> | null {
  let fields = deliveries.get(rawBody);
  if (fields === undefined) {
    fields = readWeChatXml(rawBody.toString("utf8"));
    deliveries.set(rawBody, fields);
  }
  return fields;
}

/**
 * The shape WeChat actually posts — `<xml>` holding one level of distinct elements, each a
 * CDATA section or plain text, nothing between them — read with one sticky regex. Hand-written
 * because fast-xml-parser took 13 µs to validate and read such a 300-byte document, three
 * times per safe-mode delivery: more than the rest of the webhook. Anything else (whitespace or
 * text between elements, entities, nesting, attributes, a declaration, a repeated or
 * reserved name) returns undefined and goes to the parser, so the answer is always the
 * parser's; xml.test.ts holds the two to the same result.
 */
const FLAT_CHILD = /<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<&\r]*))<\/\1>/y;
const ROOT_OPEN = "<xml>";
const ROOT_CLOSE = "</xml>";

export function readFlat(text: string): Record<string, string> | undefined {
  if (!text.startsWith(ROOT_OPEN) || !text.endsWith(ROOT_CLOSE)) return undefined;
  const end = text.length - ROOT_CLOSE.length;
  const fields: Record<string, string> = {};
  FLAT_CHILD.lastIndex = ROOT_OPEN.length;
  while (FLAT_CHILD.lastIndex < end) {
    const match = FLAT_CHILD.exec(text);
    if (!match) return undefined;
    const [, name = "", inCdata, plain] = match;
    const value = inCdata ?? plain ?? "";
    // "]]>" (a CDATA value split in two, or invalid as text), a carriage return (line-end
    // normalisation), a name already there (the parser makes an array) or a prototype's: the parser's.
    if (value.includes("]]>") || inCdata?.includes("\r")) return undefined;
    if (Object.hasOwn(fields, name) || name === "__proto__" || name === "constructor") return undefined;
    fields[name] = value;
  }
  // `<xml></xml>` is no document to the parser either, but let it say so.
  return FLAT_CHILD.lastIndex === end && end > ROOT_OPEN.length ? fields : undefined;
}

export function readWithParser(text: string): Record<string, unknown> | null {
  if (!text.trimStart().startsWith("<")) return null;
  let doc: unknown;
  try {
    const { XMLParser, XMLValidator } = fastXmlParser();
    if (XMLValidator.validate(text) !== true) return null;
    parser ??= new XMLParser(parserOptions);
    doc = parser.parse(text);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== "object" || !("xml" in doc)) return null;
  const root = (doc as { xml: unknown }).xml;
  return root && typeof root === "object" && !Array.isArray(root) ? (root as Record<string, unknown>) : null;
}

/** A CDATA section; `]]>` inside the value is split across two sections, as XML requires. */
export function cdata(value: string): string {
  return `<![CDATA[${value.split("]]>").join("]]]]><![CDATA[>")}]]>`;
}
