/** Shapes of the admin API answers the UI reads (see the OpenAPI document at /api/docs). */

export interface FlowSummary {
  id: string;
  name: string;
  latestVersion: number;
  publishedVersion: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface FlowVersion {
  flowId: string;
  version: number;
  /** ms since epoch */
  createdAt: number;
  /** When it was last published (a rollback publishes an older one again); ms since epoch. */
  publishedAt: number | null;
  isPublished: boolean;
  isLatest: boolean;
}

export interface FlowTemplate {
  id: string;
  name: string;
  description: string;
  definition: unknown;
}

export interface CreatedFlow {
  id: string;
  version: number;
  name: string;
}

export interface PublishResult {
  id: string;
  publishedVersion: number;
  previousVersion: number | null;
}

/** The API's error body: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}
