import type Redis from 'ioredis';
import type { CommitOutcome, CursorStore, SeenKey, StoredCursor } from '@deltastream/ingest';
import { sourceKeys } from './keys';

/**
 * The fenced compare-and-set: only the holder of the current fencing token may write, only forward, and
 * the cursor moves together with the (entity, version) keys it covers — one atomic step, so a takeover
 * never sees a cursor without its duplicate-suppression state.
 * KEYS: cursor hash, seen zset, fence counter. ARGV: fence, value, position, horizon, key1, pos1, key2, pos2…
 */
const COMMIT = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 'fenced' end
local current = redis.call('HGET', KEYS[1], 'position')
if current and tonumber(ARGV[3]) < tonumber(current) then return 'backwards' end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'position', ARGV[3], 'fence', ARGV[1])
for i = 5, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
return 'committed'
`;

export class RedisCursorStore implements CursorStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {
    this.redis.defineCommand('dsCommitCursor', { numberOfKeys: 3, lua: COMMIT });
  }

  async load(sourceId: string): Promise<StoredCursor | undefined> {
    const stored = await this.redis.hmget(sourceKeys(this.namespace, sourceId).cursor, 'value', 'position');
    const [value, position] = stored;
    if (value === null || value === undefined || position === null || position === undefined) return undefined;
    return { value, position: Number(position) };
  }

  async seen(sourceId: string, keys: readonly string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const scores = await this.redis.zmscore(sourceKeys(this.namespace, sourceId).seen, ...keys);
    return scores.map((score) => score !== null);
  }

  async holdsFence(sourceId: string, fence: number): Promise<boolean> {
    return (await this.redis.get(sourceKeys(this.namespace, sourceId).fence)) === String(fence);
  }

  async commit(sourceId: string, fence: number, cursor: StoredCursor, keys: readonly SeenKey[], horizon: number): Promise<CommitOutcome> {
    const k = sourceKeys(this.namespace, sourceId);
    const args = keys.flatMap(({ key, position }) => [key, String(position)]);
    const command = this.redis as unknown as CommitCommand;
    return (await command.dsCommitCursor(k.cursor, k.seen, k.fence, String(fence), cursor.value, String(cursor.position), String(horizon), ...args)) as CommitOutcome;
  }
}

type CommitCommand = { dsCommitCursor(...args: string[]): Promise<string> };
