import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Clock } from "../../core/clock.js";
import { createIdFactory } from "./ids.js";
import { OBJECTS, type ObjectDef } from "./metadata.js";

/** Everything the emulated org knows. Plain data mutated by the route handlers. */
export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** Refresh-token rotation: every refresh returns a new refresh token, reuse revokes the family. */
  rotatesRefreshTokens: boolean;
  /** When set, `authorize` only redirects here. */
  callbackUrl?: string;
  /** PEM certificate or public key uploaded for the JWT bearer flow. */
  certificate?: string;
  /** JWT bearer: "Admin approved users are pre-authorized" and the user is in the list. */
  isUserPreAuthorized: boolean;
  /** Client credentials: a "Run As" user is set. */
  hasRunAsUser: boolean;
}

/** Which host the emulator acts as: client credentials work only on a My Domain (reference §0). */
export type HostKind = "login" | "test" | "mydomain";

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  scope: string;
  expiresAt: number;
}

export interface RefreshGrant {
  token: string;
  clientId: string;
  family: string;
  isRevoked: boolean;
  /** Set when rotation replaced this token; reusing it revokes the whole family. */
  isRotatedOut: boolean;
}

export interface AccessGrant {
  clientId: string;
  family: string | null;
  isExpired: boolean;
}

export interface StoredRecord {
  object: ObjectDef;
  id: string;
  createdAt: number;
  fields: Record<string, unknown>;
}

/** `create` also matches sObject Collections requests (they create records too). */
export type FaultTarget =
  | "any"
  | "token"
  | "create"
  | "get"
  | "query"
  | "describe"
  | "identity"
  | "update"
  | "upsert";

/** A duplicate rule configured by a test (`addDuplicateRule`); see duplicate-rules.ts. */
export interface DuplicateRule {
  object: string;
  matchFields: ReadonlyArray<string>;
  /** true = an alert rule, bypassed by `Sforce-Duplicate-Rule-Header: allowSave=true`; false = block. */
  allowSave: boolean;
  name: string;
  /**
   * The objects whose records it matches, `object` by default. Salesforce's standard Lead rule
   * matches Leads and Contacts, with one matchResult per object.
   */
  matchObjects?: ReadonlyArray<string>;
}

export interface Fault {
  status: number;
  body: unknown;
  contentType: string | undefined;
  on: FaultTarget;
  remaining: number;
}

export interface HeldCreate {
  res: ServerResponse;
  record: StoredRecord;
  /** Answers as Salesforce would; `withoutIds`: each success without its `id` (a fault). */
  send: (options?: { withoutIds?: boolean }) => void;
}

export interface EmulatorState {
  clock: Clock;
  tokenLatencyMs: number;
  /** Added before every data API answer (a slow org); 0 = none. */
  dataLatencyMs: number;
  apiLimit: number;
  org: { id: string; name: string };
  user: {
    id: string;
    username: string;
    displayName: string;
    email: string;
    firstName: string;
    lastName: string;
    password: string;
    securityToken: string;
    /** Locked (failed logins, an admin): refreshes answer `user is locked`. */
    isLocked: boolean;
  };
  hostKind: HostKind;
  /** Summer '23+ orgs: "Allow OAuth Username-Password Flows" is off. */
  isPasswordFlowBlocked: boolean;
  revokeRequests: number;
  apps: Map<string, ConnectedApp>;
  refreshTokens: Map<string, RefreshGrant>;
  authCodes: Map<string, AuthCode>;
  accessTokens: Map<string, AccessGrant>;
  /** Refresh tokens whose grant is being processed right now (Winter '25 concurrency rule). */
  refreshesInFlight: Set<string>;
  /** The org's schema (the standard objects, optionally with Tern_Key__c: tern-key.ts). */
  objects: ReadonlyArray<ObjectDef>;
  records: StoredRecord[];
  /** Records kept (the newest; Infinity: all). */
  maxRecords: number;
  /** The last autonumber given per object (`CaseNumber`), so numbers never repeat. */
  autonumbers: Map<string, number>;
  grantTypes: string[];
  /** The `refresh_token` of every refresh_token grant request, in order. */
  refreshTokensSent: string[];
  /** Records sent to be created: a single create counts 1, a collection of n counts n. */
  createRequests: number;
  /** Authenticated data API calls per endpoint (`create`, `collection-create`, `query`, ...). */
  apiCalls: Record<string, number>;
  apiUsage: number;
  isApiDisabled: boolean;
  faults: Fault[];
  duplicateRules: DuplicateRule[];
  /** Origin data calls must use; tokens from another instance are rejected. */
  instanceOrigin: string;
  /** Creates committed while held since `holdCreates()`, and the ones still waiting for an answer. */
  hold: { isActive: boolean; committed: StoredRecord[]; held: HeldCreate[]; waiters: Array<() => void> };
  newId(prefix: string): string;
  secret(prefix: string, bytes: number): string;
}

export function createState(options: {
  clock: Clock;
  tokenLatencyMs: number;
  apiLimit: number;
  objects?: ReadonlyArray<ObjectDef>;
  hostKind: HostKind;
  isPasswordFlowBlocked: boolean;
  maxRecords: number;
}): EmulatorState {
  const newId = createIdFactory();
  return {
    ...options,
    dataLatencyMs: 0,
    objects: options.objects ?? OBJECTS,
    apiCalls: {},
    org: { id: newId("00D"), name: "Tern Emulated Org" },
    user: {
      id: newId("005"),
      username: "integration@tern.example",
      displayName: "Tern Integration",
      email: "integration@tern.example",
      firstName: "Tern",
      lastName: "Integration",
      password: "tern-emulator-password",
      securityToken: "EMULATORSECURITYTOKEN1",
      isLocked: false,
    },
    revokeRequests: 0,
    apps: new Map(),
    refreshTokens: new Map(),
    authCodes: new Map(),
    accessTokens: new Map(),
    refreshesInFlight: new Set(),
    records: [],
    autonumbers: new Map(),
    grantTypes: [],
    refreshTokensSent: [],
    createRequests: 0,
    apiUsage: 0,
    isApiDisabled: false,
    faults: [],
    duplicateRules: [],
    instanceOrigin: "",
    hold: { isActive: false, committed: [], held: [], waiters: [] },
    newId,
    // Real tokens use base64-ish chars incl. '.'; keep them URL- and header-safe.
    secret: (prefix, bytes) => prefix + randomBytes(bytes).toString("base64url").replaceAll("-", "."),
  };
}

/** Takes the first matching fault off the queue, if any. */
export function takeFault(state: EmulatorState, target: Exclude<FaultTarget, "any">): Fault | undefined {
  const index = state.faults.findIndex((f) => f.on === target || (f.on === "any" && target !== "token"));
  if (index < 0) return undefined;
  const fault = state.faults[index];
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) state.faults.splice(index, 1);
  return fault;
}
