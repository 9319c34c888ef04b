/**
 * What differs between the Meta products that share the Messenger Platform's webhook envelope
 * and Send API, as the simulator plays them.
 */
export interface MetaMessagingProduct {
  type: "messenger" | "instagram";
  /** Name in error messages. */
  name: string;
  /** Webhook `object`. */
  object: "page" | "instagram";
  /** Config keys of the account id and the access token. */
  accountKey: string;
  tokenKey: string;
  defaultAccountId: string;
  /** Messenger counts characters, Instagram UTF-8 bytes. */
  textLimit: { max: number; unit: "characters" | "bytes" };
  /** Messenger refuses a send without `messaging_type` (required since May 2018). */
  requiresMessagingType: boolean;
  attachmentTypes: ReadonlyArray<string>;
  /** Subcode of code 10 for a send outside the 24-hour window. */
  windowSubcode: number;
  /** Prefix of generated message ids. */
  midPrefix: string;
}

/** https://developers.facebook.com/docs/messenger-platform/reference/send-api */
export const messengerProduct: MetaMessagingProduct = {
  type: "messenger",
  name: "Messenger",
  object: "page",
  accountKey: "pageId",
  tokenKey: "pageAccessToken",
  defaultAccountId: "682498302938465",
  textLimit: { max: 2000, unit: "characters" },
  requiresMessagingType: true,
  attachmentTypes: ["image", "video", "audio", "file", "template"],
  windowSubcode: 2018278,
  midPrefix: "m_",
};

/** https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api */
export const instagramProduct: MetaMessagingProduct = {
  type: "instagram",
  name: "Instagram",
  object: "instagram",
  accountKey: "accountId",
  tokenKey: "accessToken",
  defaultAccountId: "17841405822304914",
  textLimit: { max: 1000, unit: "bytes" },
  requiresMessagingType: false,
  attachmentTypes: ["image", "video", "audio", "file", "like_heart", "MEDIA_SHARE", "template"],
  windowSubcode: 2534022,
  midPrefix: "aWdf",
};
