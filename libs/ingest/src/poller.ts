import type { SourceConfig } from '@deltastream/suite-config';
import { formatPosition } from './cursor';
import { advance, initialCursor, pageRequest, type PageRequest } from './paging';
import { acceptRecord, dedupeKey, recordsOf, type AcceptedRecord } from './records';
import { rejectInputs } from './rejects';
import type { ChangeSink, CursorStore, FetchResult, IngestMetrics, IngestedChange, PageFetcher, RejectedInput, RejectSink, SeenKey, StoredCursor } from './ports';

/** The lease was taken over: this poller must stop without writing anything more. */
export class LeaseLostError extends Error {
  constructor(sourceId: string) {
    super(`lease of source ${sourceId} was taken over; stopping`);
    this.name = 'LeaseLostError';
  }
}

export interface PollerDeps {
  readonly store: CursorStore;
  readonly fetcher: PageFetcher;
  readonly changes: ChangeSink;
  readonly rejects: RejectSink;
  readonly metrics: IngestMetrics;
  readonly clock: () => number;
}

export interface PollOutcome {
  /** Nothing more to fetch right now: wait the poll interval. */
  readonly caughtUp: boolean;
  readonly produced: number;
  readonly rejected: number;
  readonly duplicates: number;
  /**
   * Set when the page was refused as a whole, or every record of it was, and the cursor could not move:
   * the next poll would fetch the very same input again. Why, in one line (the first refusal's reason).
   */
  readonly stalled?: string;
}

const MAX_PAGE_SIZE = 100_000;

/**
 * One source's incremental fetch, one page per `pollOnce`: request from the stored cursor, check every
 * record, suppress (entity, version) duplicates inside the recovery horizon, publish (acks=all), dead-letter
 * what is refused, and only then move the fenced cursor forward. A crash anywhere before the cursor write
 * re-fetches the page (at-least-once); the cursor never skips a record that was not acknowledged.
 */
export class SourcePoller {
  /** After an error, a restart or a takeover the next fetch rewinds by the overlap. */
  private recovering = true;
  private pageSize: number;
  private etag: { readonly forRequest: string; readonly value: string } | undefined;
  /**
   * The next page, requested while the current one is published and committed (so the upstream's
   * latency overlaps the broker's and Redis'). Used only when the next poll asks exactly this request.
   */
  private prefetched: { readonly requestKey: string; readonly result: Promise<FetchResult>; readonly abort: AbortController } | undefined;

  constructor(
    private readonly source: SourceConfig,
    private readonly fence: number,
    private readonly deps: PollerDeps,
  ) {
    this.pageSize = source.page.size;
  }

  /** Marks the next fetch as a recovery (call after an error). */
  markRecovering(): void {
    this.recovering = true;
  }

  get currentPageSize(): number {
    return this.pageSize;
  }

  async pollOnce(signal?: AbortSignal): Promise<PollOutcome> {
    try {
      return await this.poll(signal);
    } catch (error) {
      // Whatever failed, the next poll re-reads the stored cursor: a page fetched ahead may not fit it.
      this.dropPrefetch();
      throw error;
    }
  }

  /** Stops a fetch of the next page still under way and forgets it. */
  private dropPrefetch(): void {
    this.prefetched?.abort.abort();
    this.prefetched = undefined;
  }

  private async poll(signal?: AbortSignal): Promise<PollOutcome> {
    const { source, deps } = this;
    const stored = (await deps.store.load(source.id)) ?? initialCursor(source);
    const request = pageRequest(source, stored, this.pageSize, this.recovering);
    const result = await this.fetchPage(request, signal);

    if (result.kind === 'not_modified') {
      deps.metrics.notModified(source.id);
      return { caughtUp: true, produced: 0, rejected: 0, duplicates: 0 };
    }
    if (result.kind === 'rejected') {
      // A response too large for the cap would stall the source forever at this page size: ask for less.
      if (result.rejectKind === 'response_too_large') this.pageSize = Math.max(1, Math.floor(this.pageSize / 2));
      await this.reject([{ sourceId: source.id, kind: result.rejectKind, reason: result.reason, original: result.original }]);
      return { caughtUp: true, produced: 0, rejected: 1, duplicates: 0, stalled: `${result.rejectKind}: ${result.reason}` };
    }
    this.etag = result.etag === undefined ? undefined : { forRequest: request.key, value: result.etag };

    const list = recordsOf(result.body, source.recordsPath);
    if (!Array.isArray(list)) {
      await this.reject([{ sourceId: source.id, kind: list.kind, reason: list.reason, original: list.original }]);
      return { caughtUp: true, produced: 0, rejected: 1, duplicates: 0, stalled: `${list.kind}: ${list.reason}` };
    }
    deps.metrics.fetched(source.id, list.length, result.bytes);

    const rejects: RejectedInput[] = [];
    const accepted: AcceptedRecord[] = [];
    for (const raw of list) {
      const checked = acceptRecord(raw, source);
      if (checked.ok) accepted.push(checked);
      else rejects.push({ sourceId: source.id, kind: checked.kind, reason: checked.reason, original: checked.original });
    }

    const horizon = this.horizon(stored);
    const inHorizon = source.cursor.mode === 'field' ? accepted.filter((r) => this.keepOrRejectBackwards(r, horizon, rejects)) : accepted;

    const fresh = await this.withoutDuplicates(inHorizon, stored);
    const duplicates = inHorizon.length - fresh.length;
    const observedAtMs = deps.clock();
    const changes: IngestedChange[] = fresh.map((r) => ({
      sourceId: source.id,
      stream: source.stream,
      entityId: r.entityId,
      version: r.version,
      cursor: r.cursorValue ?? stored.value,
      occurredAtMs: r.occurredAtMs,
      observedAtMs,
      record: r.record,
      recovery: this.recovering,
    }));

    const pageFull = list.length >= this.pageSize;
    const { next, caughtUp, refusedLink } = advance(source, stored, { body: result.body, headers: result.headers, url: request.url, records: list.length, accepted }, pageFull);
    // The refusal itself is the original (stable across polls, so the reject memory writes it once).
    if (refusedLink !== undefined) rejects.push({ sourceId: source.id, kind: 'http_error', reason: refusedLink, original: refusedLink });
    // Everything refused and nowhere to go: polling again would only refuse the same records again.
    const firstReject = rejects[0];
    const stuck = accepted.length === 0 && firstReject !== undefined && next.position === stored.position && next.value === stored.value;
    const nextPageSize = this.nextPageSize(pageFull, next, stored);
    // More is waiting upstream: ask for it now, from the cursor this page will commit.
    if (!caughtUp && !stuck) this.prefetch(pageRequest(source, next, nextPageSize, false), signal);

    // pollOnce drops the page fetched ahead if the lease turns out lost here.
    await publishUnderFence(deps, source.id, this.fence, changes, rejects);
    if (duplicates > 0) deps.metrics.duplicatesSuppressed(source.id, duplicates);
    // Only keys the store keeps (at or after the new horizon) are sent: a page mostly lies before it.
    const nextHorizon = this.horizon(next);
    const keys: SeenKey[] = [];
    for (const r of fresh) {
      const position = r.position ?? next.position;
      if (position >= nextHorizon) keys.push({ key: dedupeKey(r.entityId, r.version), position });
    }
    const outcome = await deps.store.commit(source.id, this.fence, next, keys, nextHorizon);
    if (outcome === 'fenced') throw new LeaseLostError(source.id);
    this.recovering = false;
    this.pageSize = nextPageSize;
    return { caughtUp: caughtUp || stuck, produced: changes.length, rejected: rejects.length, duplicates, ...(stuck && firstReject ? { stalled: `all ${list.length} records refused, first: ${firstReject.kind}: ${firstReject.reason}` } : {}) };
  }

  private fetchPage(request: PageRequest, signal?: AbortSignal): Promise<FetchResult> {
    const ahead = this.prefetched;
    this.prefetched = undefined;
    if (ahead?.requestKey === request.key) return ahead.result;
    ahead?.abort.abort();
    return this.fetch(request, signal);
  }

  private prefetch(request: PageRequest, signal?: AbortSignal): void {
    this.dropPrefetch();
    const abort = new AbortController();
    const result = this.fetch(request, signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal]));
    // Failures surface when the page is used; one never used (dropped) must not be an unhandled rejection.
    result.catch(() => undefined);
    this.prefetched = { requestKey: request.key, result, abort };
  }

  private fetch(request: PageRequest, signal?: AbortSignal): Promise<FetchResult> {
    return fetchPage(this.deps.fetcher, this.source, request, this.etag?.forRequest === request.key ? this.etag.value : undefined, signal);
  }

  /**
   * A full page that did not move a field cursor means more records share one cursor value than a page
   * holds: without a bigger page the source could never get past them. Back to the configured size after.
   */
  private nextPageSize(pageFull: boolean, next: StoredCursor, stored: StoredCursor): number {
    const { source } = this;
    if (source.cursor.mode === 'field' && pageFull && next.position <= stored.position) return Math.min(this.pageSize * 2, MAX_PAGE_SIZE);
    if (!pageFull && this.pageSize > source.page.size) return source.page.size;
    return this.pageSize;
  }

  /** Positions below this are outside duplicate suppression. */
  private horizon(cursor: StoredCursor): number {
    const { cursor: config } = this.source;
    return config.mode === 'field' ? cursor.position - Math.max(config.overlap, 1) : cursor.position - config.overlapPages;
  }

  /**
   * A record older than the horizon cannot be checked for duplicates: upstream handed back something far
   * behind the cursor. It is dead-lettered (never silently dropped) instead of risking a duplicate.
   */
  private keepOrRejectBackwards(record: AcceptedRecord, horizon: number, rejects: RejectedInput[]): boolean {
    if (record.position === undefined || record.position >= horizon) return true;
    const cursor = this.source.cursor;
    const format = cursor.mode === 'field' ? cursor.format : 'number';
    rejects.push({
      sourceId: this.source.id,
      kind: 'cursor_backwards',
      reason: `record ${record.entityId} v${record.version} has cursor ${record.cursorValue ?? ''}, behind the suppression horizon ${formatPosition(horizon, format)}`,
      original: record.record,
    });
    return false;
  }

  /**
   * Drops (entity, version) pairs already produced, or repeated within the page. Only a record at or before
   * the stored cursor can have been produced: every stored key was committed with a cursor at or after its
   * own position. So the store is asked about those alone — with field cursors, a page past the cursor
   * costs no lookups; token cursors give records no position, so all of them are looked up.
   */
  private async withoutDuplicates(records: readonly AcceptedRecord[], stored: StoredCursor): Promise<AcceptedRecord[]> {
    if (records.length === 0) return [];
    const keys = records.map((r) => dedupeKey(r.entityId, r.version));
    const lookup = records.flatMap((r, i) => (r.position === undefined || r.position <= stored.position ? [i] : []));
    const answers = lookup.length === 0 ? [] : await this.deps.store.seen(this.source.id, lookup.map((i) => keys[i] as string));
    const seen = new Set(lookup.filter((_, j) => answers[j] === true));
    const inPage = new Set<string>();
    return records.filter((_, i) => {
      const key = keys[i] as string;
      if (seen.has(i) || inPage.has(key)) return false;
      inPage.add(key);
      return true;
    });
  }

  private async reject(rejects: readonly RejectedInput[]): Promise<void> {
    await rejectInputs(rejects, this.deps.rejects, this.deps.metrics);
  }
}

/** A page of `source` at `request`, with the source's limits (time, bytes, nesting). */
export function fetchPage(fetcher: PageFetcher, source: SourceConfig, request: PageRequest, etag?: string, signal?: AbortSignal): Promise<FetchResult> {
  return fetcher.fetch({ url: request.url, query: request.query, etag, timeoutMs: source.timeoutMs, maxBytes: source.maxResponseBytes, maxDepth: source.maxJsonDepth, signal });
}

/**
 * Publishes changes (acks=all) and dead-letters refused input, first checking the fence. A replica paused past
 * its lease (GC, SIGSTOP, a VM freeze) wakes up holding a stale fence: the new owner may already have produced
 * these very changes. Checked right before producing, so a stale replica never produces a page fetched before it
 * lost the source (docs/architecture.md: what a zombie can still do). Throws LeaseLostError.
 */
export async function publishUnderFence(deps: PollerDeps, sourceId: string, fence: number, changes: readonly IngestedChange[], rejects: readonly RejectedInput[]): Promise<void> {
  if ((changes.length > 0 || rejects.length > 0) && !(await deps.store.holdsFence(sourceId, fence))) throw new LeaseLostError(sourceId);
  await deps.changes.publish(changes);
  if (changes.length > 0) deps.metrics.produced(sourceId, changes.length);
  await rejectInputs(rejects, deps.rejects, deps.metrics);
}
