import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from '@deltastream/observability';

/** One counted connection; release is idempotent. */
export interface ConnectionLease {
  readonly key: string;
  release(): void;
}

export interface ConnectionSlotsOptions {
  readonly redis: Redis;
  /** Redis key prefix (namespaced per deployment). */
  readonly prefix: string;
  /** Entries of a replica that stopped refreshing them (it died) expire after this long. */
  readonly leaseMs: number;
  readonly logger: Logger;
  /** Redis did not answer: the decision was taken from this replica's own connections. */
  readonly onFallback: () => void;
}

// Server time (TIME), not the replica's clock: every replica agrees on when an entry expired.
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] set; ARGV member, max, leaseMs → 1 taken, 0 full. Drops expired entries first (self-healing). */
const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * KEYS sets; ARGV leaseMs, then one member per key → pushes each live entry's expiry forward. Re-adds
 * entries that are gone (Redis restarted, or was unreachable for longer than a lease), so counts recover.
 */
const REFRESH = `${NOW_MS}
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease)
end
return #KEYS`;

const REFRESH_BATCH = 500;
/** A connect waits at most this long for Redis before the local fallback decides. */
const REDIS_WAIT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Open connections per credential across every edge replica: one Redis sorted set per key whose members
 * are this replica's connection ids, scored by when they expire. Each replica refreshes its own entries
 * every third of the lease, so the entries of a replica that died (kill -9, node loss) drop out within a
 * lease and the count heals itself; a normal close removes its entry at once.
 *
 * When Redis does not answer, the limit is applied to this replica's own connections (logged and
 * counted): the gate neither opens nor closes silently.
 */
export class ConnectionSlots {
  private readonly replica = randomUUID();
  private sequence = 0;
  /** member → key, for the refresh loop and the local fallback count. */
  private readonly live = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private lastFallbackLog = 0;

  constructor(private readonly options: ConnectionSlotsOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), Math.max(250, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A lease for `key`, or undefined when `max` connections already hold one. */
  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const member = `${this.replica}:${++this.sequence}`;
    const redisKey = `${this.options.prefix}conn:${key}`;
    let taken: boolean;
    try {
      taken = (await withTimeout(this.options.redis.eval(ACQUIRE, 1, redisKey, member, max, this.options.leaseMs), REDIS_WAIT_MS)) === 1;
    } catch (error) {
      this.fallback(error);
      taken = [...this.live.values()].filter((k) => k === redisKey).length < max;
    }
    if (!taken) return undefined;
    this.live.set(member, redisKey);
    let released = false;
    return {
      key,
      release: () => {
        if (released) return;
        released = true;
        this.live.delete(member);
        // If this fails (Redis down), the entry is no longer refreshed and expires within a lease.
        this.options.redis.zrem(redisKey, member).catch(() => undefined);
      },
    };
  }

  /** Connections this replica holds (all keys). */
  get size(): number {
    return this.live.size;
  }

  private async refresh(): Promise<void> {
    const entries = [...this.live];
    for (let i = 0; i < entries.length; i += REFRESH_BATCH) {
      const batch = entries.slice(i, i + REFRESH_BATCH);
      try {
        await withTimeout(this.options.redis.eval(REFRESH, batch.length, ...batch.map(([, key]) => key), this.options.leaseMs, ...batch.map(([member]) => member)), 5 * REDIS_WAIT_MS);
      } catch (error) {
        this.fallback(error);
        return;
      }
    }
  }

  private fallback(error: unknown): void {
    this.options.onFallback();
    const now = Date.now();
    if (now - this.lastFallbackLog < 10_000) return;
    this.lastFallbackLog = now;
    this.options.logger.warn({ err: (error as Error).message }, 'connection limits: Redis did not answer; counting this replica only');
  }
}
