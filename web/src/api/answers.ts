import type { Conversation, SandboxStatus, TryStarted } from "../components/try-it/try-it-api";
import type {
  Channel,
  ChannelMessage,
  Connection,
  ConnectionTest,
  Contact,
  ContactDetail,
  ContactPage,
  CreatedFlow,
  FlowDiff,
  FlowSummary,
  FlowTemplate,
  FlowVersion,
  IntegrationType,
  JsonSchema,
  PublishResult,
  RejectedEvent,
  RunDetail,
  RunMessage,
  RunPage,
  RunSummary,
  SavedFlow,
  SObjectDescribe,
  SObjectSummary,
  UnpublishResult,
  ValidationResult,
} from "./types";

/**
 * What each operation the client calls answers, keyed `METHOD /path` as in the OpenAPI document.
 * Hand-written (types.ts) because these routes declare no response schema: Fastify's serializer
 * would drop every field a schema does not list. An operation missing here is typed from the
 * document's 200 response when it has one (e.g. GET /session), else `unknown`. A key that is no
 * operation of the document does not compile (api-paths.ts: `AnswerKeysAreOperations`).
 */
export interface ApiAnswers {
  "GET /flows": { items: FlowSummary[] };
  "POST /flows": CreatedFlow;
  "GET /flows/schema": JsonSchema;
  "POST /flows/validate": ValidationResult;
  "GET /flows/{id}": FlowSummary & { definition: unknown };
  "PUT /flows/{id}": SavedFlow;
  "GET /flows/{id}/versions": { items: FlowVersion[] };
  "POST /flows/{id}/publish": PublishResult;
  "POST /flows/{id}/unpublish": UnpublishResult;
  "GET /flows/{id}/diff": FlowDiff;
  "GET /templates": { items: FlowTemplate[] };
  "GET /runs": RunPage;
  "GET /runs/{id}": RunDetail;
  "GET /runs/{id}/messages": { items: RunMessage[] };
  "POST /runs/{id}/end": RunSummary;
  "POST /runs/{id}/retry": RunSummary;
  "GET /channel-types": { items: IntegrationType[] };
  "GET /connection-types": { items: IntegrationType[] };
  "GET /connections": { items: Connection[] };
  "POST /connections": Connection;
  "GET /connections/{id}": Connection;
  "PATCH /connections/{id}": Connection;
  "POST /connections/{id}/test": ConnectionTest;
  "POST /connections/{id}/disconnect": Connection & { revocation: { revoked: boolean; reason?: string } };
  "GET /connections/{id}/oauth/start": { authorizeUrl: string; callbackUrl: string };
  "GET /connections/{id}/objects": { items: SObjectSummary[] };
  "GET /connections/{id}/objects/{name}": SObjectDescribe;
  "GET /channels": { items: Channel[] };
  "POST /channels": Channel;
  "PATCH /channels/{id}": Channel;
  "POST /channels/{id}/setup": Channel;
  "GET /channels/{id}/rejected-events": { items: RejectedEvent[] };
  "GET /channels/{id}/messages": { items: ChannelMessage[] };
  "GET /contacts": ContactPage;
  "GET /contacts/{id}": ContactDetail;
  "POST /contacts/{id}/tags": Contact;
  "GET /sandbox": SandboxStatus;
  "POST /sandbox/try": TryStarted;
  "POST /sandbox/messages": { accepted: true };
  "GET /sandbox/conversations/{from}": Conversation;
}
