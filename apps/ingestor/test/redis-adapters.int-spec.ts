import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger } from '@deltastream/observability';
import { createRedisClient } from '@deltastream/redis';
import { RedisCursorStore } from '../src/redis/redis-cursor-store';
import { RedisLeases } from '../src/redis/redis-leases';
import { RedisSnapshotStore } from '../src/redis/redis-snapshot-store';

describe('Redis lease and fenced cursor (real Redis)', () => {
  let redis: Redis;
  let leases: RedisLeases;
  let store: RedisCursorStore;
  let snapshots: RedisSnapshotStore;

  beforeAll(async () => {
    redis = createRedisClient(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', createLogger('redis-adapters-it', 'warn'));
    await redis.connect();
    const namespace = `it-${randomUUID().slice(0, 8)}`;
    leases = new RedisLeases(redis, namespace);
    store = new RedisCursorStore(redis, namespace);
    snapshots = new RedisSnapshotStore(redis, namespace);
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

  it('keeps snapshot states under the fence: a stale token writes nothing; gone entities are not live; id fields holding "|" survive', async () => {
    const source = `snapshot-${randomUUID()}`;
    const oldFence = (await leases.acquire(source, 'a', 60_000)) as number;
    const idFields = JSON.stringify({ id: 'a|b' });
    // More entries than one Lua call takes (1000): the batches all land.
    const many = Array.from({ length: 2500 }, (_, i) => ({ entityId: `e${i}`, state: { version: 1, hash: `h${i}`, missed: 0, idFields: JSON.stringify({ id: `e${i}` }) } }));
    expect(await snapshots.commit(source, oldFence, [...many, { entityId: 'a|b', state: { version: 3, hash: 'h', missed: 1, idFields } }, { entityId: 'gone', state: { version: 2, hash: '', missed: 0, idFields: '{}' } }])).toBe('committed');
    expect(await snapshots.states(source, ['a|b', 'gone', 'never', 'e2499'])).toEqual([{ version: 3, hash: 'h', missed: 1, idFields }, { version: 2, hash: '', missed: 0, idFields: '{}' }, undefined, many[2499]?.state]);
    const live = await snapshots.live(source);
    expect(live).toHaveLength(2501);
    expect(live.some((entry) => entry.entityId === 'gone')).toBe(false);
    await leases.release(source, 'a', oldFence);
    await leases.acquire(source, 'b', 60_000);
    expect(await snapshots.commit(source, oldFence, [{ entityId: 'a|b', state: { version: 4, hash: 'x', missed: 0, idFields } }])).toBe('fenced');
    expect((await snapshots.states(source, ['a|b']))[0]?.version).toBe(3);
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
