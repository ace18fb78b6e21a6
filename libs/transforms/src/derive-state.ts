/** The last value a derive step saw for an entity. */
export interface DerivePoint {
  readonly value: number;
  /** Epoch ms of that value, when the step's time source had one. */
  readonly timeMs: number | undefined;
}

export interface DeriveStateOptions {
  /** Entities remembered; the least recently seen are forgotten first. Default 100 000. */
  readonly maxEntities?: number;
}

/**
 * Previous values for the derive steps of ONE compiled transform list (one stream), per entity.
 * The caller owns it: the enricher keeps one per stream per assigned partition, and drops it (or calls
 * `clear()`) when the partition is revoked. It is in memory only, so after a restart or a rebalance the
 * first record of each entity again gets no derived fields.
 *
 * Bounded: past `maxEntities` the least recently updated entity is evicted (its next record is treated
 * as its first).
 */
export class DeriveState {
  readonly maxEntities: number;
  private readonly entities = new Map<string, Array<DerivePoint | undefined>>();
  private evictedCount = 0;

  constructor(options: DeriveStateOptions = {}) {
    const max = options.maxEntities ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxEntities must be a positive integer, got ${max}`);
    this.maxEntities = max;
  }

  /** Entities currently remembered. */
  get size(): number {
    return this.entities.size;
  }

  /** Entities forgotten because of the bound, since construction. */
  get evictions(): number {
    return this.evictedCount;
  }

  /** The previous point of derive slot `slot` (the n-th derive step) for an entity. */
  previous(entityId: string, slot: number): DerivePoint | undefined {
    return this.entities.get(entityId)?.[slot];
  }

  /** Records new points for an entity (slot → point) and marks it most recently used. */
  update(entityId: string, points: ReadonlyArray<readonly [slot: number, point: DerivePoint]>): void {
    const existing = this.entities.get(entityId);
    const slots = existing ?? [];
    for (const [slot, point] of points) slots[slot] = point;
    if (existing !== undefined) this.entities.delete(entityId);
    this.entities.set(entityId, slots);
    while (this.entities.size > this.maxEntities) {
      const oldest = this.entities.keys().next();
      if (oldest.done === true) break;
      this.entities.delete(oldest.value);
      this.evictedCount += 1;
    }
  }

  /**
   * Every remembered entity with its points per slot, least recently updated first — so replaying them
   * through `update` in this order into a fresh state rebuilds the same state (a checkpoint/restore).
   */
  *entries(): IterableIterator<readonly [entityId: string, points: ReadonlyArray<DerivePoint | undefined>]> {
    for (const [entityId, slots] of this.entities) yield [entityId, slots];
  }

  /** Forgets one entity. */
  forget(entityId: string): boolean {
    return this.entities.delete(entityId);
  }

  /** Forgets everything (partition revoked, stream config reloaded). */
  clear(): void {
    this.entities.clear();
  }
}
