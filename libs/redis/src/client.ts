import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '@deltastream/observability';

/**
 * An ioredis client that reconnects with capped backoff and logs connection trouble once per state
 * change instead of once per retry.
 */
export function createRedisClient(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
    ...options,
  });
  let healthy = true;
  client.on('error', (error: Error) => {
    if (healthy) logger.warn({ err: error.message, url: redactUrl(url) }, 'redis connection error; reconnecting');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info({ url: redactUrl(url) }, 'redis connection restored');
    healthy = true;
  });
  return client;
}

/** Ready when Redis answers PING within `timeoutMs`. */
export async function redisReady(client: Redis, timeoutMs = 2_000): Promise<boolean> {
  // Not connected means not ready; a PING would only wait in the offline queue.
  if (client.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    });
    return (await Promise.race([client.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable redis url]';
  }
}
