import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLostError, SnapshotPoller, SourcePoller, type PollerDeps, type SnapshotStore } from '@deltastream/ingest';
import type { SourceConfig } from '@deltastream/suite-config';
import { inSpan, SpanKind, type Logger } from '@deltastream/observability';
import { UpstreamError } from '../upstream/http-page-fetcher';

export interface LoopHooks {
  onThrottled(sourceId: string): void;
  onError(sourceId: string, kind: string): void;
  /** The source's page was refused whole and its cursor cannot move (called on every such poll). */
  onStalled(sourceId: string, reason: string): void;
  /** A poll of a stalled source got past it (or the loop stopped). */
  onResumed(sourceId: string): void;
}

const MAX_ERROR_BACKOFF_MS = 30_000;

/**
 * Wait before polling a stalled source again: doubling from the poll interval up to `maxMs`. Refetching a
 * page whose every record is refused each second only repeats the refusal; a fixed config (a restart) or a
 * fixed upstream is picked up at the next poll.
 */
export function stalledBackoffMs(pollIntervalMs: number, stalls: number, maxMs: number): number {
  return Math.min(maxMs, pollIntervalMs * 2 ** Math.min(Math.max(0, stalls), 30));
}

/** A list walk for `snapshot` sources, the incremental fetch for the others. */
function pollerFor(source: SourceConfig, fence: number, deps: PollerDeps & { readonly snapshots?: SnapshotStore }): SourcePoller | SnapshotPoller {
  if (source.snapshot === undefined) return new SourcePoller(source, fence, deps);
  if (deps.snapshots === undefined) throw new Error(`source ${source.id} is a snapshot source but no snapshot store was given`);
  return new SnapshotPoller(source, fence, { ...deps, snapshots: deps.snapshots });
}

/**
 * Polls one owned source until `signal` aborts or the lease is lost: page until caught up, then wait the
 * poll interval. Errors (upstream storms, broker trouble, an open circuit) never end the loop: the next
 * fetch is marked as a recovery (rewinds by the overlap) after a capped, jittered backoff.
 */
export async function runSourceLoop(
  source: SourceConfig,
  fence: number,
  deps: PollerDeps & { readonly snapshots?: SnapshotStore },
  hooks: LoopHooks,
  logger: Logger,
  signal: AbortSignal,
  stalledMaxBackoffMs = 300_000,
): Promise<'aborted' | 'lease_lost'> {
  const poller = pollerFor(source, fence, deps);
  const log = logger.child({ source: source.id, fence });
  let failures = 0;
  let stalls = 0;
  let produced = 0;
  let windowStarted = deps.clock();
  log.info('polling started');
  while (!signal.aborted) {
    try {
      // One span per poll (fetches + produce): the produced records carry it, so their trace starts here.
      const outcome = await inSpan(`poll ${source.id}`, { kind: SpanKind.CLIENT, attributes: { 'deltastream.source': source.id, 'deltastream.stream': source.stream } }, async (span) => {
        const result = await poller.pollOnce(signal);
        span.setAttribute('deltastream.produced', result.produced);
        return result;
      });
      failures = 0;
      if (outcome.stalled !== undefined) {
        stalls += 1;
        hooks.onStalled(source.id, outcome.stalled);
        const waitMs = stalledBackoffMs(source.pollIntervalMs, stalls, stalledMaxBackoffMs);
        // One line when the source stalls and then one per doubling of the wait, not one per poll.
        if ((stalls & (stalls - 1)) === 0) log.warn({ reason: outcome.stalled, stalls, retryInMs: waitMs }, 'source stalled: every record of its page refused; backing off');
        await sleep(waitMs, undefined, { signal });
        continue;
      }
      if (stalls > 0) {
        log.info({ stalls }, 'source no longer stalled');
        stalls = 0;
        hooks.onResumed(source.id);
      }
      produced += outcome.produced;
      const elapsed = deps.clock() - windowStarted;
      if (elapsed >= 10_000) {
        log.info({ produced, ratePerSec: Math.round((produced * 1000) / elapsed) }, 'ingest progress');
        produced = 0;
        windowStarted = deps.clock();
      }
      if (outcome.caughtUp) await sleep(source.pollIntervalMs, undefined, { signal });
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof LeaseLostError) {
        log.warn('lease lost to another replica; stopping without writing');
        if (stalls > 0) hooks.onResumed(source.id);
        return 'lease_lost';
      }
      failures += 1;
      poller.markRecovering();
      const kind = error instanceof UpstreamError ? (error.status === undefined ? 'network' : `http_${error.status}`) : ((error as Error).name ?? 'error');
      if (error instanceof UpstreamError && (error.status === 429 || error.status === 503)) hooks.onThrottled(source.id);
      hooks.onError(source.id, kind);
      const backoff = Math.min(source.pollIntervalMs * 2 ** Math.min(failures, 10), MAX_ERROR_BACKOFF_MS);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      log.warn({ err: (error as Error).message, kind, failures, retryInMs: Math.round(jittered) }, 'poll failed; will retry from the overlap');
      await sleep(jittered, undefined, { signal }).catch(() => undefined);
    }
  }
  if (stalls > 0) hooks.onResumed(source.id);
  log.info('polling stopped');
  return 'aborted';
}
