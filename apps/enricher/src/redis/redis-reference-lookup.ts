import type Redis from 'ioredis';
import type { ReferenceLookup, ReferenceRow } from '@deltastream/transforms';

/**
 * Reference rows in Redis: one hash per `join` step (`hash` in the step), field = entity id, value = the
 * row as a JSON object (`HSET ref:sensors sensor-001 '{"site":"lab","model":"x1"}'`). One HMGET per batch
 * and hash. A value that is not a JSON object is reported and treated as no row — never joined half-parsed.
 */
export class RedisReferenceLookup implements ReferenceLookup {
  constructor(
    private readonly redis: Redis,
    private readonly onInvalidRow: (hash: string, id: string) => void,
  ) {}

  async lookup(hash: string, ids: readonly string[]): Promise<ReadonlyMap<string, ReferenceRow>> {
    const rows = new Map<string, ReferenceRow>();
    if (ids.length === 0) return rows;
    const values = await this.redis.hmget(hash, ...ids);
    values.forEach((value, i) => {
      const id = ids[i] as string;
      if (value === null) return;
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) rows.set(id, parsed as ReferenceRow);
        else this.onInvalidRow(hash, id);
      } catch {
        this.onInvalidRow(hash, id);
      }
    });
    return rows;
  }
}
