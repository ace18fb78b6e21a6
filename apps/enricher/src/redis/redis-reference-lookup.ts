import type Redis from 'ioredis';
import type { ReferenceLookup, ReferenceRow } from '@deltastream/transforms';

/** Marks a `join` step's `hash` as a key pattern: one Redis hash per entity, `{id}` replaced by its id. */
export const ENTITY_ID_PLACEHOLDER = '{id}';

/** The Redis key of an entity's reference hash under a key pattern (`ref:sensor:{id}` → `ref:sensor:s1`). */
export function referenceKey(pattern: string, entityId: string): string {
  return pattern.split(ENTITY_ID_PLACEHOLDER).join(entityId);
}

/**
 * Reference rows in Redis, in one of two layouts chosen by the `join` step's `hash`:
 *
 * - a key pattern containing `{id}` (`ref:sensor:{id}`): one Redis hash per entity, read with HGETALL;
 *   its fields are the row (string values, as Redis stores them). A missing key (HGETALL → {}) is no row.
 *   All ids of a batch go in one pipeline (one round trip).
 * - a plain key (`ref:sensors`): one Redis hash per stream, field = entity id, value = the row as a JSON
 *   object (typed values), read with one HMGET per batch. A value that is not a JSON object is reported
 *   and treated as no row — never joined half-parsed.
 *
 * Rejects only when Redis fails (the batch is then read again; nothing is cached by the caller).
 */
export class RedisReferenceLookup implements ReferenceLookup {
  constructor(
    private readonly redis: Redis,
    private readonly onInvalidRow: (hash: string, id: string) => void,
  ) {}

  async lookup(hash: string, ids: readonly string[]): Promise<ReadonlyMap<string, ReferenceRow>> {
    if (ids.length === 0) return new Map();
    return hash.includes(ENTITY_ID_PLACEHOLDER) ? this.hashPerEntity(hash, ids) : this.jsonRows(hash, ids);
  }

  private async hashPerEntity(pattern: string, ids: readonly string[]): Promise<Map<string, ReferenceRow>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(referenceKey(pattern, id));
    const replies = (await pipeline.exec()) ?? [];
    const rows = new Map<string, ReferenceRow>();
    replies.forEach(([error, fields], i) => {
      // A WRONGTYPE reply (the key is not a hash) is bad reference data, not an outage: reported, joined as missing.
      if (error) {
        if (/WRONGTYPE/.test(error.message)) this.onInvalidRow(pattern, ids[i] as string);
        else throw error;
        return;
      }
      const row = fields as Record<string, string>;
      if (Object.keys(row).length > 0) rows.set(ids[i] as string, row);
    });
    return rows;
  }

  private async jsonRows(hash: string, ids: readonly string[]): Promise<Map<string, ReferenceRow>> {
    const rows = new Map<string, ReferenceRow>();
    let values: (string | null)[];
    try {
      values = await this.redis.hmget(hash, ...ids);
    } catch (error) {
      // The key is not a hash: bad reference data, not an outage. Retrying would stall the partition forever.
      if (!/WRONGTYPE/.test((error as Error).message)) throw error;
      this.onInvalidRow(hash, '*');
      return rows;
    }
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
