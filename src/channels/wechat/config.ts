import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one WeChat Official Account (公众号) channel. Where to find each value in the
 * Official Account Platform: docs/channels/wechat.md.
 */
export const WeChatConfig = z.object({
  /** Settings and Development → Basic configuration → AppID ("wx" + 16 characters). */
  appId: z
    .string()
    .regex(
      /^wx[0-9A-Za-z]{16}$/,
      'appId is the AppID under Basic configuration, "wx" followed by 16 characters',
    ),
  /** Basic configuration → AppSecret. Gets the access token for the customer-service API. */
  appSecret: z.string().min(1),
  /** Basic configuration → Server configuration → Token (3–32 letters and digits): signs every callback. */
  token: z
    .string()
    .regex(
      /^[A-Za-z0-9]{3,32}$/,
      "token is the 3–32 letters and digits entered as Token under Server configuration",
    ),
  /**
   * Server configuration → EncodingAESKey (43 characters), for safe mode (安全模式). Set it only when
   * the console's message encryption mode is safe or compatible: then plain deliveries are refused.
   */
  encodingAESKey: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, "encodingAESKey is the 43 letters and digits shown as EncodingAESKey")
    .optional(),
  /** API host. The access token and AppSecret go there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://api.weixin.qq.com"),
});
export type WeChatConfig = z.infer<typeof WeChatConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const wechatSecretFields = ["appSecret", "token", "encodingAESKey"] as const;
