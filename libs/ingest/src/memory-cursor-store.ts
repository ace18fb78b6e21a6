import type { CommitOutcome, CursorStore, SeenKey, StoredCursor } from './ports';

/**
 * In-process twin of the Redis cursor store, with the same fencing and forward-only rules, for unit
 * tests of the poll loop. Production uses RedisCursorStore (apps/ingestor).
 */
export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, StoredCursor>();
  readonly fences = new Map<string, number>();
  private readonly seenKeys = new Map<string, Map<string, number>>();

  async load(sourceId: string): Promise<StoredCursor | undefined> {
    return this.cursors.get(sourceId);
  }

  async seen(sourceId: string, keys: readonly string[]): Promise<boolean[]> {
    const seen = this.seenKeys.get(sourceId);
    return keys.map((key) => seen?.has(key) ?? false);
  }

  async holdsFence(sourceId: string, fence: number): Promise<boolean> {
    return (this.fences.get(sourceId) ?? 0) === fence;
  }

  async commit(sourceId: string, fence: number, cursor: StoredCursor, keys: readonly SeenKey[], horizon: number): Promise<CommitOutcome> {
    if ((this.fences.get(sourceId) ?? 0) !== fence) return 'fenced';
    const current = this.cursors.get(sourceId);
    if (current && cursor.position < current.position) return 'backwards';
    this.cursors.set(sourceId, cursor);
    const seen = this.seenKeys.get(sourceId) ?? new Map<string, number>();
    for (const { key, position } of keys) seen.set(key, position);
    for (const [key, position] of seen) if (position < horizon) seen.delete(key);
    this.seenKeys.set(sourceId, seen);
    return 'committed';
  }
}
