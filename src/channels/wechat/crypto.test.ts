import { describe, expect, it } from "vitest";
import { decryptMessage, encryptMessage, WeChatDecryptError, wechatSignature } from "./crypto.js";

/**
 * Vectors from Tencent's WXBizMsgCrypt samples for the message encryption guide
 * (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html):
 * the Java sample's testAesEncrypt and the Python Sample.py decryption, byte for byte.
 */
const KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

describe("WeChat signatures and safe-mode crypto", () => {
  it("signs the sorted token, timestamp and nonce with SHA-1 (reference vector)", () => {
    expect(wechatSignature(["mytoken", "1409304348", "xxxxxx"])).toBe(
      "48062c83b0a00f9fdf280a85313c7376cf2b0f1b",
    );
  });

  it("encrypts as Tencent's Java sample does (fixed random aaaabbbbccccdddd)", () => {
    expect(
      encryptMessage("我是中文abcd123", "wxb11529c136998cb6", KEY, Buffer.from("aaaabbbbccccdddd")),
    ).toBe("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==");
  });

  it("decrypts the Python sample exactly, newlines kept, and names the AppID", () => {
    const encrypted =
      "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
    expect(wechatSignature(["spamtest", "1409735669", "1320562132", encrypted])).toBe(
      "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    );
    expect(decryptMessage(encrypted, KEY)).toEqual({
      appId: "wx2c2769f8efd9abc2",
      xml: "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>",
    });
  });

  it("round-trips any XML, including a length that is a multiple of 32 (a full block of padding)", () => {
    for (const xml of ["", "<xml/>", "x".repeat(64 - 20 - 18), "中".repeat(100)]) {
      expect(decryptMessage(encryptMessage(xml, "wxb11529c136998cb6", KEY), KEY)).toEqual({
        xml,
        appId: "wxb11529c136998cb6",
      });
    }
  });

  it("refuses garbage with WeChatDecryptError, never another error", () => {
    for (const bad of [
      "",
      "!!!not-base64!!!",
      "YWJj",
      "AAAAAAAAAAAAAAAAAAAAAA==",
      Buffer.alloc(64).toString("base64"),
    ]) {
      expect(() => decryptMessage(bad, KEY)).toThrow(WeChatDecryptError);
    }
  });
});
