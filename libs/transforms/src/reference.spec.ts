import { compileTransforms, TransformContextError } from './pipeline';
import { CachedReferenceLookup, resolveReferences, type ReferenceLookup, type ReferenceRow } from './reference';
import { inputsOf } from './spec-helpers';

/** A reference store that records what it is asked. */
class FakeStore implements ReferenceLookup {
  readonly calls: Array<[string, string[]]> = [];
  failNext = false;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(private readonly data: Record<string, Record<string, ReferenceRow>>) {}

  async lookup(hash: string, ids: readonly string[]): Promise<ReadonlyMap<string, ReferenceRow>> {
    this.calls.push([hash, [...ids]]);
    if (this.gate !== undefined) await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('redis down');
    }
    const rows = new Map<string, ReferenceRow>();
    for (const id of ids) {
      const row = this.data[hash]?.[id];
      if (row !== undefined) rows.set(id, row);
    }
    return rows;
  }

  /** Holds every answer until `release()`. */
  hold(): void {
    this.gate = new Promise<void>((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.openGate?.();
  }
}

const data = { 'ref:sensors': { s1: { site: 'lab' }, s2: { site: 'roof' }, s3: { site: 'cellar' } }, 'ref:models': { s1: { model: 'T1' } } };

function setup(options: { ttlMs?: number; missTtlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000;
  const store = new FakeStore(data);
  const cache = new CachedReferenceLookup(store, { ttlMs: options.ttlMs ?? 10_000, missTtlMs: options.missTtlMs, maxEntries: options.maxEntries, now: () => now });
  return { store, cache, advance: (ms: number) => (now += ms) };
}

const asObject = (rows: ReadonlyMap<string, ReferenceRow>) => Object.fromEntries(rows);

describe('CachedReferenceLookup', () => {
  it('serves rows from the cache within the TTL and asks only for ids it does not know', async () => {
    const { store, cache } = setup();
    expect(asObject(await cache.lookup('ref:sensors', ['s1', 's2']))).toEqual({ s1: { site: 'lab' }, s2: { site: 'roof' } });
    expect(asObject(await cache.lookup('ref:sensors', ['s2', 's3', 's1', 's2']))).toEqual({ s2: { site: 'roof' }, s3: { site: 'cellar' }, s1: { site: 'lab' } });
    expect(store.calls).toEqual([
      ['ref:sensors', ['s1', 's2']],
      ['ref:sensors', ['s3']],
    ]);
    expect(cache.stats()).toEqual({ hits: 2, negativeHits: 0, fetched: 3, evictions: 0, entries: 3 });
  });

  it('caches misses too: a missing key is an empty answer, not asked again within the TTL', async () => {
    const { store, cache } = setup();
    expect((await cache.lookup('ref:sensors', ['nope'])).size).toBe(0);
    expect((await cache.lookup('ref:sensors', ['nope'])).size).toBe(0);
    expect(store.calls).toHaveLength(1);
    expect(cache.stats().negativeHits).toBe(1);
  });

  it('keeps hashes apart', async () => {
    const { cache } = setup();
    expect(asObject(await cache.lookup('ref:models', ['s1', 's2']))).toEqual({ s1: { model: 'T1' } });
    expect(asObject(await cache.lookup('ref:sensors', ['s1']))).toEqual({ s1: { site: 'lab' } });
  });

  it('asks again once an entry expires (injected clock), with a separate TTL for misses', async () => {
    const { store, cache, advance } = setup({ ttlMs: 10_000, missTtlMs: 1_000 });
    await cache.lookup('ref:sensors', ['s1', 'nope']);
    advance(999);
    await cache.lookup('ref:sensors', ['s1', 'nope']);
    expect(store.calls).toHaveLength(1);
    advance(1);
    await cache.lookup('ref:sensors', ['s1', 'nope']);
    expect(store.calls.at(-1)).toEqual(['ref:sensors', ['nope']]);
    advance(9_000);
    await cache.lookup('ref:sensors', ['s1']);
    expect(store.calls.at(-1)).toEqual(['ref:sensors', ['s1']]);
    expect(store.calls).toHaveLength(3);
  });

  it('stays within maxEntries, forgetting the least recently used first', async () => {
    const { store, cache } = setup({ maxEntries: 2 });
    await cache.lookup('ref:sensors', ['s1', 's2']);
    await cache.lookup('ref:sensors', ['s1']); // s1 used: s2 is now the oldest
    await cache.lookup('ref:sensors', ['s3']);
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 1 });
    await cache.lookup('ref:sensors', ['s1', 's3']);
    expect(store.calls).toHaveLength(2);
    await cache.lookup('ref:sensors', ['s2']);
    expect(store.calls.at(-1)).toEqual(['ref:sensors', ['s2']]);
  });

  it('does not cache failures', async () => {
    const { store, cache } = setup();
    store.failNext = true;
    await expect(cache.lookup('ref:sensors', ['s1'])).rejects.toThrow('redis down');
    expect(asObject(await cache.lookup('ref:sensors', ['s1']))).toEqual({ s1: { site: 'lab' } });
    expect(store.calls).toHaveLength(2);
  });

  it('lets a concurrent lookup wait for ids already being fetched instead of fetching them twice', async () => {
    const { store, cache } = setup();
    store.hold();
    const first = cache.lookup('ref:sensors', ['s1', 's2']);
    await Promise.resolve(); // let the first call reach the store
    const second = cache.lookup('ref:sensors', ['s2', 's3']);
    await Promise.resolve();
    store.release();
    expect(asObject(await first)).toEqual({ s1: { site: 'lab' }, s2: { site: 'roof' } });
    expect(asObject(await second)).toEqual({ s2: { site: 'roof' }, s3: { site: 'cellar' } });
    expect(store.calls).toEqual([
      ['ref:sensors', ['s1', 's2']],
      ['ref:sensors', ['s3']],
    ]);
  });

  it('forgets on invalidate: one id, one hash, or everything', async () => {
    const { store, cache } = setup();
    await cache.lookup('ref:sensors', ['s1', 's2']);
    await cache.lookup('ref:models', ['s1']);
    cache.invalidate('ref:sensors', 's1');
    await cache.lookup('ref:sensors', ['s1', 's2']);
    expect(store.calls.at(-1)).toEqual(['ref:sensors', ['s1']]);
    cache.invalidate('ref:sensors');
    expect(cache.stats().entries).toBe(1);
    cache.invalidate();
    expect(cache.stats().entries).toBe(0);
  });

  it('refuses nonsensical options', () => {
    const store = new FakeStore({});
    expect(() => new CachedReferenceLookup(store, { ttlMs: -1 })).toThrow(RangeError);
    expect(() => new CachedReferenceLookup(store, { ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('resolveReferences + join', () => {
  it('looks up each join hash once for the batch entities and feeds the pure join', async () => {
    const store = new FakeStore(data);
    const transforms = compileTransforms([
      { type: 'join', hash: 'ref:sensors', prefix: 'ref_' },
      { type: 'join', hash: 'ref:models' },
      { type: 'join', hash: 'ref:sensors', fields: ['site'], prefix: 'again_' },
    ]);
    expect(transforms.joinHashes).toEqual(['ref:sensors', 'ref:models']);
    const inputs = inputsOf([{ n: 1 }, { n: 2 }, { n: 3 }], (i) => ['s1', 'unknown', 's1'][i] as string);
    const references = await resolveReferences(transforms, inputs, store);
    expect(store.calls).toEqual([
      ['ref:sensors', ['s1', 'unknown']],
      ['ref:models', ['s1', 'unknown']],
    ]);
    expect(transforms.apply(inputs, { references }).records.map((r) => r.record)).toEqual([
      { n: 1, ref_site: 'lab', model: 'T1', again_site: 'lab' },
      { n: 2 },
      { n: 3, ref_site: 'lab', model: 'T1', again_site: 'lab' },
    ]);
  });

  it('asks nothing for an empty batch or a list without joins', async () => {
    const store = new FakeStore(data);
    const joining = compileTransforms([{ type: 'join', hash: 'ref:sensors' }]);
    expect((await resolveReferences(joining, [], store)).get('ref:sensors')?.size).toBe(0);
    expect((await resolveReferences(compileTransforms([]), inputsOf([{}]), store)).size).toBe(0);
    expect(store.calls).toEqual([]);
  });

  it('needs the rows of every join hash in the context (a wiring error)', () => {
    const joining = compileTransforms([{ type: 'join', hash: 'ref:sensors' }]);
    expect(() => joining.apply(inputsOf([{}]))).toThrow(TransformContextError);
    expect(() => joining.apply(inputsOf([{}]), { references: new Map([['ref:other', new Map()]]) })).toThrow(/join "ref:sensors"/);
  });
});
