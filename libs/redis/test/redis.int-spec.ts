import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger } from '@deltastream/observability';
import { createRedisClient, redisReady } from '../src';

describe('Redis adapter against the real server', () => {
  let redis: Redis;
  const prefix = `it:${randomUUID()}:`;

  beforeAll(async () => {
    redis = createRedisClient(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', createLogger('redis-it', 'warn'));
    await redis.connect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers readiness', async () => {
    await expect(redisReady(redis)).resolves.toBe(true);
  });

  it('runs SET NX PX and a Lua script atomically', async () => {
    const key = `${prefix}lease`;
    expect(await redis.set(key, 'owner-a', 'PX', 5_000, 'NX')).toBe('OK');
    expect(await redis.set(key, 'owner-b', 'PX', 5_000, 'NX')).toBeNull();
    const compareAndDelete = 'if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end';
    expect(await redis.eval(compareAndDelete, 1, key, 'owner-b')).toBe(0);
    expect(await redis.eval(compareAndDelete, 1, key, 'owner-a')).toBe(1);
    expect(await redis.exists(key)).toBe(0);
  });

  it('reports not-ready while a client is not connected, without queueing a PING', async () => {
    const idle = createRedisClient('redis://127.0.0.1:6379', createLogger('redis-it', 'silent'));
    await expect(redisReady(idle, 500)).resolves.toBe(false);
    await idle.connect();
    await expect(redisReady(idle, 500)).resolves.toBe(true);
    idle.disconnect();
  });
});
