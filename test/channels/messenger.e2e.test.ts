import { describeMetaMessagingEndToEnd } from "../helpers/meta-messaging-e2e.js";

// A page-scoped id (PSID) of the shape Messenger sends.
describeMetaMessagingEndToEnd("messenger", "1254477777772919");
