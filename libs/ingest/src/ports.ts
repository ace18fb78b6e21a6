import type { RejectKind, JsonObject } from './records';

/** What the cursor store keeps per source. `position` orders cursors (field value, or page count for tokens). */
export interface StoredCursor {
  readonly value: string;
  readonly position: number;
}

export interface SeenKey {
  readonly key: string;
  readonly position: number;
}

export type CommitOutcome = 'committed' | 'fenced' | 'backwards';

/** Port: the shared, fenced cursor of each source (Redis in production). */
export interface CursorStore {
  load(sourceId: string): Promise<StoredCursor | undefined>;
  /** Which of `keys` were already produced inside the duplicate-suppression horizon. */
  seen(sourceId: string, keys: readonly string[]): Promise<boolean[]>;
  /** Whether `fence` is still the source's current fencing token (no other replica took the source over). */
  holdsFence(sourceId: string, fence: number): Promise<boolean>;
  /**
   * Compare-and-set: succeeds only while `fence` is the source's current fencing token and only when
   * `cursor` does not move backwards; records `keys` and forgets keys older than `horizon`, atomically.
   */
  commit(sourceId: string, fence: number, cursor: StoredCursor, keys: readonly SeenKey[], horizon: number): Promise<CommitOutcome>;
}

export interface FetchRequest {
  readonly url: string;
  readonly query: Readonly<Record<string, string>>;
  readonly etag?: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Deepest nesting accepted; a deeper body is refused (`malformed_json`) before it is parsed. */
  readonly maxDepth?: number;
  readonly signal?: AbortSignal;
}

export type FetchResult =
  | { readonly kind: 'not_modified' }
  | { readonly kind: 'page'; readonly body: unknown; readonly bytes: number; readonly etag?: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'rejected'; readonly rejectKind: Extract<RejectKind, 'malformed_json' | 'response_too_large' | 'http_error'>; readonly reason: string; readonly original: Uint8Array };

/** Port: fetches one page, with its own timeout, retry, Retry-After and circuit-breaker policy. */
export interface PageFetcher {
  fetch(request: FetchRequest): Promise<FetchResult>;
}

/** One change, ready to become a ChangeEvent. */
export interface IngestedChange {
  readonly sourceId: string;
  readonly stream: string;
  readonly entityId: string;
  readonly version: string;
  readonly cursor: string;
  readonly occurredAtMs?: number;
  readonly observedAtMs: number;
  readonly record: JsonObject;
  readonly recovery: boolean;
  /** A tombstone: the entity is gone from a snapshot source's list (`record` holds its id fields). */
  readonly deleted?: boolean;
}

/** Port: publishes changes; resolves only once the broker acknowledged all of them (acks=all). */
export interface ChangeSink {
  publish(changes: readonly IngestedChange[]): Promise<void>;
}

export interface RejectedInput {
  readonly sourceId: string;
  readonly kind: RejectKind;
  readonly reason: string;
  readonly original: unknown;
}

/**
 * Port: refuses a signed webhook request seen before, for as long as its signature could be accepted
 * (Redis in production, shared by the replicas).
 */
export interface ReplayGuard {
  /** True the first time this signature of the source is claimed within `ttlMs`. */
  claim(sourceId: string, signature: string, ttlMs: number): Promise<boolean>;
  /** Forgets a claim whose request failed on our side, so the sender's retry is accepted. */
  release(sourceId: string, signature: string): Promise<void>;
}

/** Port: where refused upstream input goes (the dead-letter topic); resolves once stored. */
export interface RejectSink {
  reject(rejects: readonly RejectedInput[]): Promise<void>;
}

/** Port: counters the poll loop reports (OpenTelemetry instruments in production). */
export interface IngestMetrics {
  fetched(sourceId: string, records: number, bytes: number): void;
  notModified(sourceId: string): void;
  rejected(sourceId: string, kind: RejectKind, count: number): void;
  duplicatesSuppressed(sourceId: string, count: number): void;
  produced(sourceId: string, count: number): void;
}

export const noopMetrics: IngestMetrics = {
  fetched: () => undefined,
  notModified: () => undefined,
  rejected: () => undefined,
  duplicatesSuppressed: () => undefined,
  produced: () => undefined,
};
