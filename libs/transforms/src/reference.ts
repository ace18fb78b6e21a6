import type { JsonValue } from './json';

/** One reference row (e.g. the fields of a Redis hash entry). Redis adapters return strings. */
export type ReferenceRow = Readonly<Record<string, JsonValue>>;

/** Reference rows resolved for a batch: hash → entity id → row. A missing id is a miss. */
export type ResolvedReferences = ReadonlyMap<string, ReadonlyMap<string, ReferenceRow>>;

/**
 * Port to the reference data (implemented over Redis by the enricher). Resolves the rows of `ids` in
 * `hash`; ids without a row are simply absent from the result. Rejects only when the store is
 * unreachable (the caller retries the batch; nothing is cached).
 */
export interface ReferenceLookup {
  lookup(hash: string, ids: readonly string[]): Promise<ReadonlyMap<string, ReferenceRow>>;
}

export interface CachedReferenceLookupOptions {
  /** How long a row, or the absence of one, is reused. */
  readonly ttlMs: number;
  /** How long an absent row is remembered (default: `ttlMs`). */
  readonly missTtlMs?: number;
  /** Cached (hash, id) pairs, hits and misses together; least recently used go first. Default 100 000. */
  readonly maxEntries?: number;
  /** Clock in epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

export interface CachedReferenceLookupStats {
  /** Ids answered from the cache with a row. */
  readonly hits: number;
  /** Ids answered from the cache as absent. */
  readonly negativeHits: number;
  /** Ids asked of the underlying lookup. */
  readonly fetched: number;
  /** Entries dropped to stay within `maxEntries`. */
  readonly evictions: number;
  readonly entries: number;
}

interface Entry {
  readonly row: ReferenceRow | undefined;
  readonly expiresAtMs: number;
}

const SEPARATOR = '\u0000';

/**
 * A TTL cache in front of a `ReferenceLookup`. Rows and misses are cached per (hash, id) for their TTL;
 * ids already being fetched by a concurrent call are awaited rather than fetched twice. Failures are
 * not cached.
 */
export class CachedReferenceLookup implements ReferenceLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ReadonlyMap<string, ReferenceRow>>>();
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private counts = { hits: 0, negativeHits: 0, fetched: 0, evictions: 0 };

  constructor(
    private readonly inner: ReferenceLookup,
    options: CachedReferenceLookupOptions,
  ) {
    const check = (name: string, value: number, min: number) => {
      if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number >= ${min}, got ${value}`);
      return value;
    };
    this.ttlMs = check('ttlMs', options.ttlMs, 0);
    this.missTtlMs = check('missTtlMs', options.missTtlMs ?? options.ttlMs, 0);
    this.maxEntries = Math.floor(check('maxEntries', options.maxEntries ?? 100_000, 1));
    this.now = options.now ?? Date.now;
  }

  async lookup(hash: string, ids: readonly string[]): Promise<ReadonlyMap<string, ReferenceRow>> {
    const result = new Map<string, ReferenceRow>();
    const now = this.now();
    const waits: Array<Promise<void>> = [];
    const toFetch: string[] = [];
    for (const id of new Set(ids)) {
      const key = hash + SEPARATOR + id;
      const entry = this.entries.get(key);
      if (entry !== undefined && entry.expiresAtMs > now) {
        this.entries.delete(key); // most recently used goes last
        this.entries.set(key, entry);
        if (entry.row === undefined) this.counts.negativeHits += 1;
        else {
          this.counts.hits += 1;
          result.set(id, entry.row);
        }
        continue;
      }
      if (entry !== undefined) this.entries.delete(key);
      const pending = this.inflight.get(key);
      if (pending !== undefined) {
        waits.push(
          pending.then((rows) => {
            const row = rows.get(id);
            if (row !== undefined) result.set(id, row);
          }),
        );
        continue;
      }
      toFetch.push(id);
    }
    if (toFetch.length > 0) waits.push(this.fetch(hash, toFetch, result));
    await Promise.all(waits);
    // Keep the caller's order of ids (Map order), whatever order the fetches completed in.
    const ordered = new Map<string, ReferenceRow>();
    for (const id of ids) {
      const row = result.get(id);
      if (row !== undefined) ordered.set(id, row);
    }
    return ordered;
  }

  private async fetch(hash: string, ids: readonly string[], result: Map<string, ReferenceRow>): Promise<void> {
    this.counts.fetched += ids.length;
    const request = Promise.resolve().then(() => this.inner.lookup(hash, ids));
    const keys = ids.map((id) => hash + SEPARATOR + id);
    for (const key of keys) this.inflight.set(key, request);
    try {
      const rows = await request;
      const now = this.now();
      ids.forEach((id, i) => {
        const row = rows.get(id);
        if (row !== undefined) result.set(id, row);
        this.store(keys[i] as string, { row, expiresAtMs: now + (row === undefined ? this.missTtlMs : this.ttlMs) });
      });
    } finally {
      for (const key of keys) if (this.inflight.get(key) === request) this.inflight.delete(key);
    }
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.counts.evictions += 1;
    }
  }

  /** Forgets one row, all rows of a hash, or everything. */
  invalidate(hash?: string, id?: string): void {
    if (hash === undefined) {
      this.entries.clear();
      return;
    }
    if (id !== undefined) {
      this.entries.delete(hash + SEPARATOR + id);
      return;
    }
    for (const key of [...this.entries.keys()]) if (key.startsWith(hash + SEPARATOR)) this.entries.delete(key);
  }

  stats(): CachedReferenceLookupStats {
    return { ...this.counts, entries: this.entries.size };
  }
}

/**
 * Looks up, for every join hash of a transform list, the rows of the batch's entities — the async half
 * of a join, done before the pure `apply`.
 */
export async function resolveReferences(
  transforms: { readonly joinHashes: readonly string[] },
  inputs: ReadonlyArray<{ readonly entityId: string }>,
  lookup: ReferenceLookup,
): Promise<ResolvedReferences> {
  const resolved = new Map<string, ReadonlyMap<string, ReferenceRow>>();
  if (transforms.joinHashes.length === 0) return resolved;
  const ids = [...new Set(inputs.map((input) => input.entityId))];
  const rows = await Promise.all(transforms.joinHashes.map((hash) => (ids.length === 0 ? new Map<string, ReferenceRow>() : lookup.lookup(hash, ids))));
  transforms.joinHashes.forEach((hash, i) => resolved.set(hash, rows[i] ?? new Map()));
  return resolved;
}
