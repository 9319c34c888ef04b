import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../test/helpers/seeded-random.js";
import { readFlat, readWeChatXml, readWithParser } from "./xml.js";

const fixtures = readdirSync(new URL("./fixtures/", import.meta.url))
  .filter((name) => name.endsWith(".xml"))
  .map((name) => [name, readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")] as const);

/** The flat reader is a shortcut: where it answers, it answers what fast-xml-parser answers. */
function expectSameAsParser(text: string): Record<string, string> | undefined {
  const flat = readFlat(text);
  if (flat !== undefined) expect(flat).toEqual(readWithParser(text));
  expect(readWeChatXml(text)).toEqual(flat ?? readWithParser(text));
  return flat;
}

describe("reading WeChat XML", () => {
  it.each(fixtures)("%s: the flat reader and the parser agree", (_name, xml) => {
    expectSameAsParser(xml);
  });

  it("takes WeChat's compact documents on the flat path", () => {
    const xml =
      "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1348831860</CreateTime><Content><![CDATA[a > b \"q\" 'q' ] ]] 你好\n]]></Content><Empty></Empty><Cd><![CDATA[]]></Cd></xml>";
    expect(expectSameAsParser(xml)).toEqual({
      ToUserName: "gh_1",
      CreateTime: "1348831860",
      Content: "a > b \"q\" 'q' ] ]] 你好\n",
      Empty: "",
      Cd: "",
    });
  });

  it.each([
    ["whitespace between elements", "<xml>\n<A><![CDATA[x]]></A>\n</xml>"],
    ["a repeated element", "<xml><A>1</A><A>2</A></xml>"],
    ["nesting", "<xml><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>"],
    ["an entity", "<xml><A>a &amp; b</A></xml>"],
    ["a split CDATA section", "<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A></xml>"],
    ["CDATA then text", "<xml><A><![CDATA[a]]>b</A></xml>"],
    ["an attribute", '<xml><A k="v">1</A></xml>'],
    ["a declaration", '<?xml version="1.0"?><xml><A>1</A></xml>'],
    ["a carriage return", "<xml><A><![CDATA[a\r\nb]]></A></xml>"],
    ["a reserved name", "<xml><__proto__>x</__proto__></xml>"],
    ["an empty root", "<xml></xml>"],
    ["mismatched tags", "<xml><A>1</B></xml>"],
    ["an unclosed CDATA", "<xml><A><![CDATA[x</A></xml>"],
    ["]]> in text", "<xml><A>a]]>b</A></xml>"],
  ])("leaves %s to the parser", (_what, xml) => {
    expect(readFlat(xml)).toBeUndefined();
    expect(readWeChatXml(xml)).toEqual(readWithParser(xml));
  });

  it("decodes character references and predefined entities in text, not in CDATA", () => {
    // XML 1.0 §4.1, §4.6: text outside CDATA was stored as written ("x &lt;3 &amp; y").
    expect(
      readWeChatXml(
        "<xml><A>x &lt;3 &amp; y &gt; &quot;q&quot; &apos;</A><B>&#20320;&#x597D;</B><C>&amp;lt;</C><D><![CDATA[a &amp; b &#65;]]></D></xml>",
      ),
    ).toEqual({ A: 'x <3 & y > "q" \'', B: "你好", C: "&lt;", D: "a &amp; b &#65;" });
  });

  it("agrees with the parser on generated documents", () => {
    const random = seededRandom(20261204);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const pieces = [
      "a",
      "Z",
      " ",
      "\n",
      "\t",
      ">",
      "<",
      "&",
      "]",
      "]]",
      "]]>",
      "\r",
      '"',
      "'",
      "é",
      "你",
      "\u0001",
      "/",
      "!",
      "[",
      "CDATA",
    ];
    const names = ["A", "B", "MsgId", "x.y", "_k", "a-b", "1bad", "a:b", "xml"];
    const value = () => Array.from({ length: Math.floor(random() * 6) }, () => pick(pieces)).join("");
    let flat = 0;
    for (let i = 0; i < 3_000; i++) {
      const children = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const name = pick(names);
        const inner = random() < 0.5 ? `<![CDATA[${value()}]]>` : value();
        return `<${name}>${inner}</${random() < 0.95 ? name : pick(names)}>`;
      });
      const separator = random() < 0.9 ? "" : pick([" ", "\n", "x"]);
      if (expectSameAsParser(`<xml>${children.join(separator)}</xml>`) !== undefined) flat += 1;
    }
    // Hundreds of them take the flat path, so the comparison is not vacuous.
    expect(flat).toBeGreaterThan(300);
  });
});
