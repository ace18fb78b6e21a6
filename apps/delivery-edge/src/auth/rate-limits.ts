import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Rate } from '@deltastream/access';
import type { Logger } from '@deltastream/observability';

export type LimitOutcome = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/**
 * The in-memory stand-in used while Redis does not answer: the limit then holds per replica. Every use is
 * reported (log + metric), so an outage neither opens nor closes the gate silently.
 */
class ObservedInsurance extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

export interface SharedRateLimitOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** Metric / log label: connect_ip, connect_key. */
  readonly name: string;
  readonly rate: Rate;
  readonly logger: Logger;
  readonly onFallback: () => void;
}

/**
 * A rate limit shared by every edge replica (rate-limiter-flexible RateLimiterRedis, fixed windows of
 * whole seconds), with a RateLimiterMemory insurance limiter for Redis outages.
 */
export class SharedRateLimit {
  private readonly limiter: RateLimiterRedis;
  private lastFallbackLog = 0;

  constructor(private readonly options: SharedRateLimitOptions) {
    // Redis windows are whole seconds (the library stores them with EX).
    const duration = Math.max(1, Math.ceil(options.rate.durationMs / 1000));
    const insurance = new ObservedInsurance({ points: options.rate.points, duration, keyPrefix: `${options.name}-local` }, () => this.fellBack());
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.prefix}rl:${options.name}`,
      points: options.rate.points,
      duration,
      // Not connected: decide locally at once instead of queueing behind the reconnect.
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
  }

  async take(key: string): Promise<LimitOutcome> {
    try {
      await this.limiter.consume(key);
      return { ok: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: error.msBeforeNext };
      // Neither Redis nor the insurance limiter decided: let the request through, loudly.
      this.options.logger.error({ err: (error as Error).message, limit: this.options.name }, 'rate limit failed; allowing the request');
      return { ok: true };
    }
  }

  private fellBack(): void {
    this.options.onFallback();
    const now = Date.now();
    if (now - this.lastFallbackLog < 10_000) return;
    this.lastFallbackLog = now;
    this.options.logger.warn({ limit: this.options.name }, 'rate limit: Redis did not answer; limiting per replica');
  }
}
