import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * WeChat posts small flat XML documents (`<xml><ToUserName><![CDATA[…]]></ToUserName>…</xml>`).
 * Read with fast-xml-parser, hardened: no entity expansion (billion laughs), no DOCTYPE at all
 * (WeChat never sends one; Tencent's own samples were patched against XXE in 2018), every value a
 * string so 64-bit ids such as `MsgId` stay exact.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  maxNestedTags: 8,
});

/** The children of the `<xml>` root as strings (or nested objects/arrays), or null if it is not such a document. */
export function readWeChatXml(text: string): Record<string, unknown> | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  if (!text.trimStart().startsWith("<")) return null;
  let doc: unknown;
  try {
    if (XMLValidator.validate(text) !== true) return null;
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
