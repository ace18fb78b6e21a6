import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLostError, SourcePoller, type PollerDeps } from '@deltastream/ingest';
import type { SourceConfig } from '@deltastream/suite-config';
import { inSpan, SpanKind, type Logger } from '@deltastream/observability';
import { UpstreamError } from '../upstream/http-page-fetcher';

export interface LoopHooks {
  onThrottled(sourceId: string): void;
  onError(sourceId: string, kind: string): void;
}

const MAX_ERROR_BACKOFF_MS = 30_000;

/**
 * Polls one owned source until `signal` aborts or the lease is lost: page until caught up, then wait the
 * poll interval. Errors (upstream storms, broker trouble, an open circuit) never end the loop: the next
 * fetch is marked as a recovery (rewinds by the overlap) after a capped, jittered backoff.
 */
export async function runSourceLoop(source: SourceConfig, fence: number, deps: PollerDeps, hooks: LoopHooks, logger: Logger, signal: AbortSignal): Promise<'aborted' | 'lease_lost'> {
  const poller = new SourcePoller(source, fence, deps);
  const log = logger.child({ source: source.id, fence });
  let failures = 0;
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
  log.info('polling stopped');
  return 'aborted';
}
