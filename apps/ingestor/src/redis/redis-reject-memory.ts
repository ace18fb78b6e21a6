import type Redis from 'ioredis';
import type { RejectMemory } from '@deltastream/ingest';
import { sourceKeys } from './keys';

/**
 * One key per refused input, set only if absent and expiring after the horizon: `SET NX PX` answers "first
 * time" and remembers it in one step, for every replica. Memory is bounded by the distinct inputs refused
 * within the horizon — never by how often they are refused.
 */
export class RedisRejectMemory implements RejectMemory {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly horizonMs: number,
  ) {}

  async firstSeen(sourceId: string, fingerprints: readonly string[]): Promise<boolean[]> {
    if (fingerprints.length === 0) return [];
    const keys = sourceKeys(this.namespace, sourceId);
    const pipeline = this.redis.pipeline();
    for (const fingerprint of fingerprints) pipeline.set(keys.rejected(fingerprint), '1', 'PX', this.horizonMs, 'NX');
    const results = (await pipeline.exec()) ?? [];
    return fingerprints.map((_, i) => {
      const [error, reply] = results[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      return reply === 'OK';
    });
  }
}
