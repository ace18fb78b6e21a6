import { createHash } from 'node:crypto';
import type { SnapshotConfig, SourceConfig } from '@deltastream/suite-config';
import { advance, initialCursor, pageRequest } from './paging';
import { fetchPage, LeaseLostError, publishUnderFence, type PollerDeps, type PollOutcome } from './poller';
import type { IngestedChange, RejectedInput, StoredCursor } from './ports';
import { acceptSnapshotRecord, idFieldsOf, recordsOf, type JsonObject } from './records';

// A `snapshot` source: a plain list endpoint with no change cursor and no version — the commonest API there
// is. Each round walks the whole list (its pages by the source's cursor mode) and compares every entity with
// what the previous rounds saw, through a content hash kept per entity in the SnapshotStore (Redis, shared
// by the replicas, written under the source's fence):
//   - an entity whose hash is new or different is emitted, with version = its previous version + 1: the
//     version counts the entity's changes, so it only moves when the content does, it orders the entity's
//     changes (what `mode: latest` windows need), and a change re-emitted after a crash (published, hash not
//     yet stored) carries the same version as the first time — duplicate suppression downstream sees one;
//   - an entity missing from `deleteAfterWalks` complete rounds in a row gets a tombstone (`deleted`, record =
//     its id fields and `deletedField: true`): one missed walk is not proof, since an offset-paged list that
//     shifts while it is walked (an insert before page 3 pushes an entity from page 3 to page 4 after page 3
//     was read... or the other way round) hides an entity from that walk; unless the round would remove more
//     than `maxDeleteFraction` of the known entities at once — an upstream answering an empty list by
//     mistake — which is dead-lettered instead.
// A round that fails part-way (an error, a lost lease, a restart) is walked again from its first page and
// emits no tombstones: only a complete walk can prove an entity gone. Memory: the ids of the current round.

/**
 * What the store keeps per entity: its version (count of changes), content hash ('' once gone), how many
 * complete walks in a row missed it, and its id fields (JSON).
 */
export interface SnapshotState {
  readonly version: number;
  readonly hash: string;
  readonly missed: number;
  readonly idFields: string;
}

export interface SnapshotEntry {
  readonly entityId: string;
  readonly state: SnapshotState;
}

/** Port: each snapshot source's per-entity state (Redis in production). */
export interface SnapshotStore {
  /** The stored state of each id (undefined: never seen). */
  states(sourceId: string, entityIds: readonly string[]): Promise<(SnapshotState | undefined)[]>;
  /** Every entity not gone (hash not ''). */
  live(sourceId: string): Promise<SnapshotEntry[]>;
  /** Writes the entries only while `fence` is the source's fencing token. */
  commit(sourceId: string, fence: number, entries: readonly SnapshotEntry[]): Promise<'committed' | 'fenced'>;
}

export interface SnapshotPollerDeps extends PollerDeps {
  readonly snapshots: SnapshotStore;
}

/** Hash of a record's content: its JSON text (key order included), SHA-256, 96 bits in base64url. */
export function contentHash(record: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 16);
}

interface Round {
  cursor: StoredCursor;
  readonly seen: Set<string>;
}

export class SnapshotPoller {
  private round: Round | undefined;
  private readonly config: SnapshotConfig;

  constructor(
    private readonly source: SourceConfig,
    private readonly fence: number,
    private readonly deps: SnapshotPollerDeps,
  ) {
    if (source.snapshot === undefined) throw new Error(`source ${source.id} is not a snapshot source`);
    this.config = source.snapshot;
  }

  /** After an error the round starts again from its first page (and emits no tombstones for this one). */
  markRecovering(): void {
    this.round = undefined;
  }

  async pollOnce(signal?: AbortSignal): Promise<PollOutcome> {
    try {
      return await this.poll(signal);
    } catch (error) {
      this.round = undefined;
      throw error;
    }
  }

  private async poll(signal?: AbortSignal): Promise<PollOutcome> {
    const { source, deps } = this;
    const round = (this.round ??= { cursor: initialCursor(source), seen: new Set() });
    const request = pageRequest(source, round.cursor, source.page.size, false);
    // No ETag: a page answered 304 would say nothing about which entities it holds.
    const result = await fetchPage(deps.fetcher, source, request, undefined, signal);
    if (result.kind === 'not_modified') throw new Error('a snapshot page answered 304 to a request without an ETag');
    if (result.kind === 'rejected') return this.abandon({ sourceId: source.id, kind: result.rejectKind, reason: result.reason, original: result.original });
    const list = recordsOf(result.body, source.recordsPath);
    if (!Array.isArray(list)) return this.abandon({ sourceId: source.id, kind: list.kind, reason: list.reason, original: list.original });
    deps.metrics.fetched(source.id, list.length, result.bytes);

    const rejects: RejectedInput[] = [];
    const records: { record: JsonObject; entityId: string; occurredAtMs?: number; hash: string }[] = [];
    let repeated = 0;
    for (const raw of list) {
      const checked = acceptSnapshotRecord(raw, source);
      if (!checked.ok) {
        rejects.push({ sourceId: source.id, kind: checked.kind, reason: checked.reason, original: checked.original });
        continue;
      }
      // An entity listed twice in one walk (pages shifting under us): its first listing counts.
      if (round.seen.has(checked.entityId)) {
        repeated++;
        continue;
      }
      round.seen.add(checked.entityId);
      records.push({ ...checked, hash: contentHash(checked.record) });
    }
    if (round.seen.size > this.config.maxEntities) {
      return this.abandon({ sourceId: source.id, kind: 'snapshot_too_large', reason: `the list holds more than snapshot.maxEntities (${this.config.maxEntities}) entities`, original: `${source.url}: more than ${this.config.maxEntities} entities` });
    }

    const states = await deps.snapshots.states(source.id, records.map((r) => r.entityId));
    const observedAtMs = deps.clock();
    const changes: IngestedChange[] = [];
    const entries: SnapshotEntry[] = [];
    records.forEach((r, i) => {
      const before = states[i];
      if (before !== undefined && before.hash === r.hash) {
        // Seen again after a walk that missed it: nothing changed, the count of misses starts over.
        if (before.missed > 0) entries.push({ entityId: r.entityId, state: { ...before, missed: 0 } });
        return;
      }
      const version = (before?.version ?? 0) + 1;
      changes.push({ sourceId: source.id, stream: source.stream, entityId: r.entityId, version: String(version), cursor: round.cursor.value, occurredAtMs: r.occurredAtMs, observedAtMs, record: r.record, recovery: false });
      entries.push({ entityId: r.entityId, state: { version, hash: r.hash, missed: 0, idFields: JSON.stringify(idFieldsOf(r.record, source)) } });
    });
    await this.produce(changes, rejects, entries);
    if (repeated > 0) deps.metrics.duplicatesSuppressed(source.id, repeated);

    const { next, caughtUp, refusedLink } = advance(source, round.cursor, { body: result.body, headers: result.headers, url: request.url, records: list.length, accepted: [] }, list.length >= source.page.size);
    if (refusedLink !== undefined) {
      // The walk cannot be completed: what it saw is emitted, nothing is tombstoned.
      return this.abandon({ sourceId: source.id, kind: 'http_error', reason: refusedLink, original: refusedLink }, changes.length);
    }
    if (!caughtUp) {
      round.cursor = next;
      return { caughtUp: false, produced: changes.length, rejected: rejects.length, duplicates: repeated };
    }
    this.round = undefined;
    const tombstones = await this.tombstones(round.seen, observedAtMs);
    return { caughtUp: true, produced: changes.length + tombstones, rejected: rejects.length, duplicates: repeated };
  }

  /** Tombstones for the known entities enough complete walks in a row did not list; how many were produced. */
  private async tombstones(seen: ReadonlySet<string>, observedAtMs: number): Promise<number> {
    const { source, deps, config } = this;
    if (!config.tombstones) return 0;
    const live = await deps.snapshots.live(source.id);
    const missing = live.filter((entry) => !seen.has(entry.entityId));
    if (missing.length === 0) return 0;
    const gone = missing.filter((entry) => entry.state.missed + 1 >= config.deleteAfterWalks);
    const counted: SnapshotEntry[] = missing.filter((entry) => entry.state.missed + 1 < config.deleteAfterWalks).map(({ entityId, state }) => ({ entityId, state: { ...state, missed: state.missed + 1 } }));
    if (gone.length > config.maxDeleteFraction * live.length) {
      const reason = `the list lost ${gone.length} of ${live.length} known entities, more than snapshot.maxDeleteFraction (${config.maxDeleteFraction}): no tombstones sent (set it to 1 if such drops are real)`;
      await this.produce([], [{ sourceId: source.id, kind: 'snapshot_mass_delete', reason, original: `${source.url}: ${gone.length} of ${live.length} entities gone` }], counted);
      return 0;
    }
    const changes: IngestedChange[] = [];
    const entries: SnapshotEntry[] = [...counted];
    for (const { entityId, state } of gone) {
      const version = state.version + 1;
      const record: JsonObject = { ...(JSON.parse(state.idFields) as JsonObject), [config.deletedField]: true };
      changes.push({ sourceId: source.id, stream: source.stream, entityId, version: String(version), cursor: '', observedAtMs, record, recovery: false, deleted: true });
      entries.push({ entityId, state: { version, hash: '', missed: 0, idFields: state.idFields } });
    }
    await this.produce(changes, [], entries);
    return changes.length;
  }

  /** Publishes under the fence, dead-letters, then stores the new states (fenced again). */
  private async produce(changes: readonly IngestedChange[], rejects: readonly RejectedInput[], entries: readonly SnapshotEntry[]): Promise<void> {
    const { source, deps } = this;
    await publishUnderFence(deps, source.id, this.fence, changes, rejects);
    if (entries.length > 0 && (await deps.snapshots.commit(source.id, this.fence, entries)) === 'fenced') throw new LeaseLostError(source.id);
  }

  /** Ends the round without tombstones: the refusal is dead-lettered and the source reported stalled. */
  private async abandon(reject: RejectedInput, produced = 0): Promise<PollOutcome> {
    this.round = undefined;
    await this.produce([], [reject], []);
    return { caughtUp: true, produced, rejected: 1, duplicates: 0, stalled: `${reject.kind}: ${reject.reason}` };
  }
}

/**
 * In-process twin of the Redis snapshot store (same fencing rule, against the cursor store's fences), for
 * unit tests. Production uses RedisSnapshotStore (apps/ingestor).
 */
export class MemorySnapshotStore implements SnapshotStore {
  readonly entries = new Map<string, Map<string, SnapshotState>>();

  constructor(private readonly fences: ReadonlyMap<string, number>) {}

  async states(sourceId: string, entityIds: readonly string[]): Promise<(SnapshotState | undefined)[]> {
    const map = this.entries.get(sourceId);
    return entityIds.map((id) => map?.get(id));
  }

  async live(sourceId: string): Promise<SnapshotEntry[]> {
    return [...(this.entries.get(sourceId) ?? new Map<string, SnapshotState>())].filter(([, state]) => state.hash !== '').map(([entityId, state]) => ({ entityId, state }));
  }

  async commit(sourceId: string, fence: number, entries: readonly SnapshotEntry[]): Promise<'committed' | 'fenced'> {
    if ((this.fences.get(sourceId) ?? 0) !== fence) return 'fenced';
    const map = this.entries.get(sourceId) ?? new Map<string, SnapshotState>();
    for (const { entityId, state } of entries) map.set(entityId, state);
    this.entries.set(sourceId, map);
    return 'committed';
  }
}
