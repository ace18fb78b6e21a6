import type Redis from 'ioredis';
import type { ReplayGuard } from '@deltastream/ingest';
import { sourceKeys } from './keys';

/** A key per accepted webhook signature, set only if absent (`SET NX PX`): one replica wins, every replay after loses. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  async claim(sourceId: string, signature: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(sourceKeys(this.namespace, sourceId).webhook(signature), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(sourceId: string, signature: string): Promise<void> {
    await this.redis.del(sourceKeys(this.namespace, sourceId).webhook(signature));
  }
}
