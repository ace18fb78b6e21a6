import type { BufferedRecord } from './offset-ledger';
import { compareVersions } from './version-order';

/** One event as a window part holds it. */
export interface PartEntry<T> {
  readonly entityId: string;
  readonly version: string;
  readonly sizeBytes: number;
  readonly payload: T;
  readonly late: boolean;
  readonly record: BufferedRecord;
}

export interface PartCaps {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/** What a drained part carries. */
export interface DrainedPart<T> {
  readonly events: T[];
  readonly late: boolean[];
  readonly lateCount: number;
  readonly coalescedCount: number;
  readonly sizeBytes: number;
  /** Every record the part held (coalesced-away ones included), to release once emitted. */
  readonly members: BufferedRecord[];
}

export type AddOutcome = 'added' | 'coalesced';

/**
 * The not-yet-emitted part of one window. Emitted parts are always a prefix of the window's arrivals
 * (a cut takes everything buffered), which is what lets a restart tell re-read events that were already
 * emitted from those that were not (see resume-state.ts).
 */
export interface PartBuffer<T> {
  /** Nothing buffered at all (not even coalesced-away changes). */
  isEmpty(): boolean;
  /**
   * Whether adding the entry would take the part over maxBytes (then the caller cuts first). maxEvents
   * needs no such check: a part is emitted the moment it reaches maxEvents (see fullness).
   */
  wouldOverflowBytes(entry: PartEntry<T>, caps: PartCaps): boolean;
  add(entry: PartEntry<T>): AddOutcome;
  /** Whether the part is full after adding (then the caller emits it at once). */
  fullness(caps: PartCaps): 'maxEvents' | 'maxBytes' | undefined;
  /** Takes everything out; the buffer is empty afterwards. */
  drain(): DrainedPart<T>;
}

function fullnessOf(count: number, bytes: number, caps: PartCaps): 'maxEvents' | 'maxBytes' | undefined {
  if (count >= caps.maxEvents) return 'maxEvents';
  if (bytes >= caps.maxBytes) return 'maxBytes';
  return undefined;
}

/** `all` mode: every change, in arrival order (which is per-entity order, as Kafka keys by entity). */
export class AllChangesBuffer<T> implements PartBuffer<T> {
  private entries: PartEntry<T>[] = [];
  private bytes = 0;

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  wouldOverflowBytes(entry: PartEntry<T>, caps: PartCaps): boolean {
    return this.bytes + entry.sizeBytes > caps.maxBytes;
  }

  add(entry: PartEntry<T>): AddOutcome {
    this.entries.push(entry);
    this.bytes += entry.sizeBytes;
    return 'added';
  }

  fullness(caps: PartCaps): 'maxEvents' | 'maxBytes' | undefined {
    return fullnessOf(this.entries.length, this.bytes, caps);
  }

  drain(): DrainedPart<T> {
    const entries = this.entries;
    this.entries = [];
    const sizeBytes = this.bytes;
    this.bytes = 0;
    const events: T[] = new Array<T>(entries.length);
    const late: boolean[] = new Array<boolean>(entries.length);
    const members: BufferedRecord[] = new Array<BufferedRecord>(entries.length);
    let lateCount = 0;
    entries.forEach((entry, i) => {
      events[i] = entry.payload;
      late[i] = entry.late;
      members[i] = entry.record;
      if (entry.late) lateCount += 1;
    });
    return { events, late, lateCount, coalescedCount: 0, sizeBytes, members };
  }
}

/**
 * `latest` mode: one entry per entity, the highest version seen in this part (ties keep the first). An
 * older or equal version arriving later is coalesced away, never resurrected over a newer one.
 */
export class LatestVersionBuffer<T> implements PartBuffer<T> {
  /** Map iteration order = first appearance of the entity in this part: deterministic output order. */
  private latest = new Map<string, PartEntry<T>>();
  private members: BufferedRecord[] = [];
  private bytes = 0;
  private coalesced = 0;

  isEmpty(): boolean {
    return this.members.length === 0;
  }

  wouldOverflowBytes(entry: PartEntry<T>, caps: PartCaps): boolean {
    const current = this.latest.get(entry.entityId);
    if (current === undefined) return this.bytes + entry.sizeBytes > caps.maxBytes;
    // An older or equal version is coalesced away and adds no bytes.
    if (compareVersions(entry.version, current.version) <= 0) return false;
    return this.bytes - current.sizeBytes + entry.sizeBytes > caps.maxBytes;
  }

  add(entry: PartEntry<T>): AddOutcome {
    this.members.push(entry.record);
    const current = this.latest.get(entry.entityId);
    if (current === undefined) {
      this.latest.set(entry.entityId, entry);
      this.bytes += entry.sizeBytes;
      return 'added';
    }
    this.coalesced += 1;
    if (compareVersions(entry.version, current.version) <= 0) return 'coalesced';
    this.latest.set(entry.entityId, entry);
    this.bytes += entry.sizeBytes - current.sizeBytes;
    return 'coalesced';
  }

  fullness(caps: PartCaps): 'maxEvents' | 'maxBytes' | undefined {
    return fullnessOf(this.latest.size, this.bytes, caps);
  }

  drain(): DrainedPart<T> {
    const retained = [...this.latest.values()];
    const result: DrainedPart<T> = {
      events: retained.map((entry) => entry.payload),
      late: retained.map((entry) => entry.late),
      lateCount: retained.reduce((count, entry) => count + (entry.late ? 1 : 0), 0),
      coalescedCount: this.coalesced,
      sizeBytes: this.bytes,
      members: this.members,
    };
    this.latest = new Map();
    this.members = [];
    this.bytes = 0;
    this.coalesced = 0;
    return result;
  }
}
