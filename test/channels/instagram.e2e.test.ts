import { describeMetaMessagingEndToEnd } from "../helpers/meta-messaging-e2e.js";

// An Instagram-scoped id (IGSID) of the shape Instagram sends.
describeMetaMessagingEndToEnd("instagram", "1914016008786591");
