import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
  type IBackoff,
  type IBackoffFactory,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UpstreamAuth } from './upstream-auth';
import { classifyStatus, DEFAULT_MAX_JSON_DEPTH, nestsDeeperThan, retryAfterMs, type FetchRequest, type FetchResult, type PageFetcher } from '@deltastream/ingest';

/** An upstream failure the retry policy may repeat; `retryAfterMs` comes from a 429/503 Retry-After. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** Dead letters keep at most this much of a refused body (Kafka's default max message is 1 MiB). */
export const MAX_DEAD_LETTER_BYTES = 512 * 1024;

/** Waits what the upstream asked for (Retry-After) when it did; exponential backoff with jitter otherwise. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(private readonly fallback: IBackoffFactory<unknown>) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const fallback = this.fallback.next(context);
    const error = 'error' in context.result ? context.result.error : undefined;
    const asked = error instanceof UpstreamError ? error.retryAfterMs : undefined;
    return { duration: asked ?? fallback.duration, next: (ctx) => new RetryAfterBackoff(fallback).next(ctx) };
  }
}

export interface FetchPolicyOptions {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failed polls before the breaker opens, and how long it stays open. */
  readonly breakerThreshold: number;
  readonly breakerOpenMs: number;
}

export const defaultFetchPolicy: FetchPolicyOptions = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000, breakerThreshold: 5, breakerOpenMs: 15_000 };

/** Spaces a source's requests evenly to stay within its requests-per-minute budget (waits; never refuses). */
export class RequestBudget {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(
    requestsPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 60_000 / requestsPerMinute;
  }

  /** Milliseconds to wait before the next request may go (and books that slot). */
  reserve(): number {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    return slot - now;
  }
}

export interface UpstreamAccess {
  readonly auth?: UpstreamAuth;
  readonly budget?: RequestBudget;
}

/**
 * HTTP GET of one page with a per-request timeout, retries (Retry-After or exponential backoff with
 * jitter) and a circuit breaker per source (cockatiel). The body is read as a stream and abandoned past
 * the size cap, so a huge response costs at most the cap in memory.
 */
export class HttpPageFetcher implements PageFetcher {
  private readonly policy: IPolicy;

  constructor(
    private readonly headers: Readonly<Record<string, string>>,
    options: FetchPolicyOptions = defaultFetchPolicy,
    private readonly now: () => number = Date.now,
    private readonly access: UpstreamAccess = {},
  ) {
    const retryable = handleWhen((error) => error instanceof UpstreamError && error.retryable);
    const retries = retry(retryable, {
      maxAttempts: options.maxAttempts,
      backoff: new RetryAfterBackoff(new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs })),
    });
    const breaker = circuitBreaker(retryable, { halfOpenAfter: options.breakerOpenMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) });
    this.policy = wrap(breaker, retries);
  }

  fetch(request: FetchRequest): Promise<FetchResult> {
    return this.policy.execute(({ signal }) => this.fetchOnce(request, signal));
  }

  private async fetchOnce(request: FetchRequest, policySignal: AbortSignal): Promise<FetchResult> {
    const url = new URL(request.url);
    for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
    const { auth, budget } = this.access;
    let response: Response;
    for (let attempt = 0; ; attempt++) {
      const wait = budget?.reserve() ?? 0;
      if (wait > 0) await sleep(wait, undefined, request.signal ? { signal: request.signal } : {});
      const signals = [policySignal, AbortSignal.timeout(request.timeoutMs), ...(request.signal ? [request.signal] : [])];
      const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...(auth ? await this.authHeaders(auth, request.signal) : {}) };
      if (request.etag) headers['if-none-match'] = request.etag;
      try {
        response = await fetch(url, { headers, signal: AbortSignal.any(signals) });
      } catch (error) {
        if (request.signal?.aborted) throw error;
        throw new UpstreamError(`GET ${url.origin}${url.pathname} failed: ${(error as Error).message}`, true);
      }
      // A token the API no longer takes (revoked, rotated): one more try with a fresh one, then it is an error.
      if (response.status !== 401 || attempt > 0 || !auth?.refused()) break;
      await response.body?.cancel();
    }
    const status = classifyStatus(response.status);
    if (status === 'not_modified') {
      await response.body?.cancel();
      return { kind: 'not_modified' };
    }
    if (status !== 'ok') {
      await response.body?.cancel();
      const wait = status === 'throttled' ? retryAfterMs(response.headers.get('retry-after'), this.now()) : undefined;
      throw new UpstreamError(`GET ${url.origin}${url.pathname} answered ${response.status}`, status !== 'permanent', response.status, wait);
    }
    return this.readBody(response, request.maxBytes, request.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
  }

  private async authHeaders(auth: UpstreamAuth, signal: AbortSignal | undefined): Promise<Record<string, string>> {
    try {
      return await auth.headers(signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A token endpoint that fails is retried like the API itself.
      throw new UpstreamError((error as Error).message, true);
    }
  }

  private async readBody(response: Response, maxBytes: number, maxDepth: number): Promise<FetchResult> {
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      return { kind: 'rejected', rejectKind: 'response_too_large', reason: `response declares ${declared} bytes, over the ${maxBytes}-byte cap`, original: new Uint8Array() };
    }
    const reader = response.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel();
          const kept = concat(chunks, MAX_DEAD_LETTER_BYTES);
          return { kind: 'rejected', rejectKind: 'response_too_large', reason: `response exceeded the ${maxBytes}-byte cap (first ${kept.byteLength} bytes kept)`, original: kept };
        }
        chunks.push(value);
      }
    }
    const bytes = concat(chunks, total);
    if (nestsDeeperThan(bytes, maxDepth)) {
      const kept = bytes.subarray(0, MAX_DEAD_LETTER_BYTES);
      return { kind: 'rejected', rejectKind: 'malformed_json', reason: `response nests objects/arrays deeper than ${maxDepth} levels (source maxJsonDepth)`, original: kept };
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      const kept = bytes.subarray(0, MAX_DEAD_LETTER_BYTES);
      const note = kept.byteLength < bytes.byteLength ? ` (first ${kept.byteLength} of ${bytes.byteLength} bytes kept)` : '';
      return { kind: 'rejected', rejectKind: 'malformed_json', reason: `response is not valid JSON: ${(error as Error).message}${note}`, original: kept };
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    return { kind: 'page', body, bytes: total, etag: response.headers.get('etag') ?? undefined, headers };
  }
}

function concat(chunks: readonly Uint8Array[], limit: number): Uint8Array {
  const size = Math.min(limit, chunks.reduce((sum, c) => sum + c.byteLength, 0));
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= size) break;
    const part = chunk.subarray(0, size - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
