import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger } from '@deltastream/observability';
import { createRedisClient } from '@deltastream/redis';
import { RedisCursorStore } from '../src/redis/redis-cursor-store';
import { RedisLeases } from '../src/redis/redis-leases';

describe('Redis lease and fenced cursor (real Redis)', () => {
  let redis: Redis;
  let leases: RedisLeases;
  let store: RedisCursorStore;

  beforeAll(async () => {
    redis = createRedisClient(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', createLogger('redis-adapters-it', 'warn'));
    await redis.connect();
    const namespace = `it-${randomUUID().slice(0, 8)}`;
    leases = new RedisLeases(redis, namespace);
    store = new RedisCursorStore(redis, namespace);
  });

  afterAll(() => redis.disconnect());

  it('gives every acquisition a higher fencing token and lets only the holder renew', async () => {
    const source = `lease-${randomUUID()}`;
    const first = await leases.acquire(source, 'a', 200);
    expect(first).toBeDefined();
    expect(await leases.acquire(source, 'b', 200)).toBeUndefined();
    expect(await leases.renew(source, 'b', first as number, 200)).toBe(false);
    expect(await leases.renew(source, 'a', first as number, 60_000)).toBe(true);
    await leases.release(source, 'a', first as number);
    const second = await leases.acquire(source, 'b', 60_000);
    expect(second).toBe((first as number) + 1);
    expect(await leases.renew(source, 'a', first as number, 60_000)).toBe(false);
  });

  it('refuses cursor writes with a stale fencing token and cursors that move backwards', async () => {
    const source = `cursor-${randomUUID()}`;
    const oldFence = (await leases.acquire(source, 'a', 60_000)) as number;
    expect(await store.commit(source, oldFence, { value: 't10', position: 10 }, [{ key: 'e1\u00001', position: 10 }], 0)).toBe('committed');
    expect(await store.commit(source, oldFence, { value: 't5', position: 5 }, [], 0)).toBe('backwards');

    await leases.release(source, 'a', oldFence);
    const newFence = (await leases.acquire(source, 'b', 60_000)) as number;
    expect(await store.commit(source, oldFence, { value: 't99', position: 99 }, [{ key: 'stale', position: 99 }], 0)).toBe('fenced');
    expect(await store.load(source)).toEqual({ value: 't10', position: 10 });
    expect(await store.seen(source, ['stale', 'e1\u00001'])).toEqual([false, true]);

    expect(await store.commit(source, newFence, { value: 't20', position: 20 }, [{ key: 'e2\u00001', position: 20 }], 15)).toBe('committed');
    // Keys older than the horizon (15) are forgotten with the same atomic write.
    expect(await store.seen(source, ['e1\u00001', 'e2\u00001'])).toEqual([false, true]);
  });

  it('counts live replicas by heartbeat and forgets silent ones', async () => {
    const now = Date.now();
    const a = `replica-${randomUUID()}`;
    expect(await leases.heartbeat(a, now, 1_000)).toBe(1);
    const b = `replica-${randomUUID()}`;
    expect(await leases.heartbeat(b, now + 10, 1_000)).toBe(2);
    expect(await leases.heartbeat(b, now + 5_000, 1_000)).toBe(1);
    await leases.leave(a);
    await leases.leave(b);
  });
});
