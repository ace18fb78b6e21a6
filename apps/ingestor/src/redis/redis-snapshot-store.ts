import type Redis from 'ioredis';
import type { SnapshotEntry, SnapshotState, SnapshotStore } from '@deltastream/ingest';
import { sourceKeys } from './keys';

/**
 * The fenced write of a snapshot source's entity states: only the holder of the source's current fencing
 * token (the cursor's, see redis-cursor-store.ts) may write. One hash per source, field = entity id,
 * value = `version|hash|missed|idFields JSON` (hash empty once the entity is gone).
 * KEYS: snapshot hash, fence counter. ARGV: fence, id1, value1, id2, value2…
 */
const COMMIT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'fenced' end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 'committed'
`;

/** Entities per HMGET / HSET call and per HSCAN step: no single command holds Redis for long. */
const BATCH = 1000;

export class RedisSnapshotStore implements SnapshotStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {
    this.redis.defineCommand('dsCommitSnapshot', { numberOfKeys: 2, lua: COMMIT });
  }

  async states(sourceId: string, entityIds: readonly string[]): Promise<(SnapshotState | undefined)[]> {
    const key = sourceKeys(this.namespace, sourceId).snapshot;
    const out: (SnapshotState | undefined)[] = [];
    for (let at = 0; at < entityIds.length; at += BATCH) {
      const values = await this.redis.hmget(key, ...entityIds.slice(at, at + BATCH));
      for (const value of values) out.push(value === null ? undefined : parseState(value));
    }
    return out;
  }

  async live(sourceId: string): Promise<SnapshotEntry[]> {
    const key = sourceKeys(this.namespace, sourceId).snapshot;
    const out: SnapshotEntry[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', BATCH);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const state = parseState(flat[i + 1] as string);
        if (state !== undefined && state.hash !== '') out.push({ entityId: flat[i] as string, state });
      }
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  async commit(sourceId: string, fence: number, entries: readonly SnapshotEntry[]): Promise<'committed' | 'fenced'> {
    const keys = sourceKeys(this.namespace, sourceId);
    const command = this.redis as unknown as CommitCommand;
    for (let at = 0; at < entries.length; at += BATCH) {
      const args = entries.slice(at, at + BATCH).flatMap(({ entityId, state }) => [entityId, `${state.version}|${state.hash}|${state.missed}|${state.idFields}`]);
      if ((await command.dsCommitSnapshot(keys.snapshot, keys.fence, String(fence), ...args)) === 'fenced') return 'fenced';
    }
    return 'committed';
  }
}

/** `version|hash|missed|idFields`; the id fields (JSON) may hold `|` themselves, so only the first three split. */
function parseState(value: string): SnapshotState | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 3; i++) {
    const at = value.indexOf('|', from);
    if (at < 0) return undefined;
    parts.push(value.slice(from, at));
    from = at + 1;
  }
  const [version, hash, missed] = [Number(parts[0]), parts[1] ?? '', Number(parts[2])];
  if (!Number.isSafeInteger(version) || version < 1 || !Number.isSafeInteger(missed) || missed < 0) return undefined;
  return { version, hash, missed, idFields: value.slice(from) };
}

type CommitCommand = { dsCommitSnapshot(...args: string[]): Promise<string> };
