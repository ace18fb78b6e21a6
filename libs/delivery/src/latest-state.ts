import { entityIdReader, type EntityIdReader } from '@deltastream/field-path';
import { entityIdOf, isRecord, type JsonRecord } from './record-filter';

export interface LatestStateOptions {
  /** The path(s) naming a record's entity (the stream's sources' `entityIdField`). */
  readonly entityIdField: string | readonly string[];
  /** Entities kept; beyond it the least recently updated one is forgotten. */
  readonly maxEntities: number;
  /**
   * `shallow` (default): a record's fields overwrite the entity's previous ones, so partial updates
   * accumulate. `replace`: the newest record is the whole state (fields it lacks are gone).
   */
  readonly merge?: 'shallow' | 'replace';
}

/** The latest state of a stream's entities, reflecting every frame applied up to and including `asOfSeq`. */
export interface StateSnapshot {
  readonly asOfSeq: number;
  readonly records: readonly JsonRecord[];
}

export type ApplyOutcome =
  | 'applied'
  /** Applied, but frames between the previous one and this were never seen: entities they touched may be stale. */
  | 'applied-after-gap'
  /** At or below asOfSeq: already reflected, ignored. */
  | 'duplicate';

export interface LatestStateCounters {
  /** Entities forgotten to stay within maxEntities (the snapshot no longer has them). */
  evictedEntities: number;
  /** Seqs skipped between applied frames. */
  missedFrames: number;
  /** Records without a usable entity id, which cannot be keyed. */
  recordsWithoutId: number;
}

/**
 * Per-stream latest record per entity, for initial snapshots and coalescing slow consumers. Frames
 * must be applied in seq order before they are fanned out, so a snapshot is never behind a frame a
 * subscriber was sent. The first frame applied anchors the state (`firstSeq`): a state started
 * mid-stream only knows entities updated since, so warm it from the earliest retained frame.
 * Updates and eviction are O(1) per record (Map insertion order is the recency order).
 */
export class LatestState {
  private readonly entityId: EntityIdReader;
  private readonly maxEntities: number;
  private readonly replace: boolean;
  private readonly records = new Map<string, JsonRecord>();
  private lastSeq = 0;
  private anchoredAt: number | undefined;
  private readonly counters: LatestStateCounters = { evictedEntities: 0, missedFrames: 0, recordsWithoutId: 0 };

  constructor(options: LatestStateOptions) {
    if (!Number.isSafeInteger(options.maxEntities) || options.maxEntities < 1) throw new RangeError('maxEntities must be a whole number ≥ 1');
    this.entityId = entityIdReader(options.entityIdField);
    this.maxEntities = options.maxEntities;
    this.replace = options.merge === 'replace';
  }

  get asOfSeq(): number {
    return this.lastSeq;
  }

  /** The seq of the first frame applied; undefined before any. */
  get firstSeq(): number | undefined {
    return this.anchoredAt;
  }

  get size(): number {
    return this.records.size;
  }

  metrics(): Readonly<LatestStateCounters> {
    return { ...this.counters };
  }

  /** Applies one frame's decoded records, in order. */
  apply(seq: number, records: readonly unknown[]): ApplyOutcome {
    if (seq <= this.lastSeq) return 'duplicate';
    const missed = this.anchoredAt === undefined ? 0 : seq - this.lastSeq - 1;
    this.anchoredAt ??= seq;
    this.lastSeq = seq;
    for (const record of records) this.upsert(record);
    if (missed === 0) return 'applied';
    this.counters.missedFrames += missed;
    return 'applied-after-gap';
  }

  /** Every kept entity's latest record, least recently updated first. */
  snapshot(): StateSnapshot {
    return { asOfSeq: this.lastSeq, records: [...this.records.values()] };
  }

  private upsert(record: unknown): void {
    const id = isRecord(record) ? entityIdOf(record, this.entityId) : undefined;
    if (id === undefined || !isRecord(record)) {
      this.counters.recordsWithoutId++;
      return;
    }
    const previous = this.records.get(id);
    // Deleting first moves the entity to the most recent end of the Map's order.
    this.records.delete(id);
    // A full update (the same keys in the same order, the common case) merges to the record itself.
    this.records.set(id, previous === undefined || this.replace || sameKeys(previous, record) ? record : { ...previous, ...record });
    if (this.records.size > this.maxEntities) this.evictLeastRecent();
  }

  private evictLeastRecent(): void {
    const oldest = this.records.keys().next();
    if (oldest.done) return;
    this.records.delete(oldest.value);
    this.counters.evictedEntities++;
  }
}

function sameKeys(a: JsonRecord, b: JsonRecord): boolean {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) if (aKeys[i] !== bKeys[i]) return false;
  return true;
}
