import fc from 'fast-check';
import { parseSuiteConfig, type SourceConfig } from '@deltastream/suite-config';
import { MemoryCursorStore } from './memory-cursor-store';
import { LeaseLostError } from './poller';
import type { FetchRequest, FetchResult, IngestedChange, PageFetcher } from './ports';
import { noopMetrics } from './ports';
import { CollectingSinks } from './fixtures/collecting-sinks';
import { contentHash, MemorySnapshotStore, SnapshotPoller, type SnapshotStore } from './snapshot';

function snapshotSource(extra = '    snapshot: {}'): SourceConfig {
  const [source] = parseSuiteConfig(`
version: 1
sources:
  - id: list
    stream: things
    url: http://upstream.test/things
    recordsPath: items
    entityIdField: [kind, /meta/id]
    page: { param: per_page, size: 3 }
${extra}`).sources;
  if (!source) throw new Error('no source');
  return source;
}

type Thing = { kind: string; meta: { id: number }; name: string };
const thing = (id: number, name = `thing ${id}`): Thing => ({ kind: 't', meta: { id }, name });

/** A list endpoint paged by a Link header (`?page=n`), `per_page` at a time; no cursor, no version. */
class ListUpstream implements PageFetcher {
  readonly requests: FetchRequest[] = [];
  failOnPage: number | undefined;
  constructor(public items: Thing[]) {}
  async fetch(request: FetchRequest): Promise<FetchResult> {
    this.requests.push(request);
    const url = new URL(request.url);
    for (const [k, v] of Object.entries(request.query)) url.searchParams.set(k, v);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (page === this.failOnPage) throw new Error('upstream failed');
    const size = Number(url.searchParams.get('per_page'));
    const items = this.items.slice((page - 1) * size, page * size);
    const more = page * size < this.items.length;
    return { kind: 'page', body: { items }, bytes: 1, headers: more ? { link: `<http://upstream.test/things?page=${page + 1}&per_page=${size}>; rel="next"` } : {} };
  }
}

function setup(items: Thing[], source = snapshotSource()) {
  const store = new MemoryCursorStore();
  store.fences.set(source.id, 1);
  const snapshots = new MemorySnapshotStore(store.fences);
  const upstream = new ListUpstream(items);
  const sinks = new CollectingSinks();
  const deps = { store, snapshots, fetcher: upstream, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 1_000 };
  const poller = () => new SnapshotPoller(source, store.fences.get(source.id) ?? 0, deps);
  return { store, snapshots, upstream, sinks, poller, source };
}

/** Polls until a round completes (caught up); the outcomes of its pages. */
async function round(poller: SnapshotPoller) {
  const outcomes = [];
  for (let page = 0; page < 100; page++) {
    const outcome = await poller.pollOnce();
    outcomes.push(outcome);
    if (outcome.caughtUp) return outcomes;
  }
  throw new Error('the round never completed');
}

const summary = (changes: readonly IngestedChange[]) => changes.map((c) => `${c.entityId} v${c.version}${c.deleted ? ' deleted' : ''}`);

describe('SnapshotPoller', () => {
  it('emits every entity once, then only what appeared, changed or disappeared, with versions counting each entity’s changes', async () => {
    const { upstream, sinks, poller } = setup([1, 2, 3, 4, 5, 6, 7].map((id) => thing(id)));
    const p = poller();
    const first = await round(p);
    expect(first.map((o) => o.caughtUp)).toEqual([false, false, true]);
    expect(summary(sinks.changes)).toEqual(['t:1 v1', 't:2 v1', 't:3 v1', 't:4 v1', 't:5 v1', 't:6 v1', 't:7 v1']);

    sinks.changes.length = 0;
    await round(p);
    expect(sinks.changes).toEqual([]);

    upstream.items = [thing(1), thing(2, 'renamed'), thing(4), thing(5), thing(6), thing(7), thing(8)];
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:2 v2', 't:8 v1']);
    // Missing from a second complete walk in a row: now it is gone.
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:2 v2', 't:8 v1', 't:3 v2 deleted']);
    const tombstone = sinks.changes.at(-1);
    expect(tombstone?.record).toEqual({ kind: 't', meta: { id: 3 }, $deleted: true });

    // It comes back: the version keeps counting.
    sinks.changes.length = 0;
    upstream.items = [...upstream.items, thing(3)];
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:3 v3']);
  });

  it('does not tombstone an entity that a list shifting during the walk hid from one walk (deleteAfterWalks: 2)', async () => {
    const { upstream, sinks, poller } = setup([1, 2, 3, 4, 5, 6, 7].map((id) => thing(id)));
    const p = poller();
    await round(p);
    sinks.changes.length = 0;
    // Page 1 of the walk is read, then thing 1 is removed: everything moves up one place, and thing 4 — which
    // was to be first on page 2 — is now last on page 1, already read. This walk never sees it.
    expect((await p.pollOnce()).caughtUp).toBe(false);
    upstream.items = upstream.items.filter((t) => t.meta.id !== 1);
    await round(p);
    expect(sinks.changes).toEqual([]);
    await round(p);
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:1 v2 deleted']);
  });

  it('a round that fails part-way is walked again from its first page, with no tombstones for it, and re-emits nothing already stored', async () => {
    const { upstream, sinks, poller } = setup([1, 2, 3, 4, 5, 6].map((id) => thing(id)));
    const p = poller();
    await round(p);
    sinks.changes.length = 0;
    upstream.items = [thing(1, 'changed'), thing(2), thing(3), thing(4, 'changed')];
    upstream.failOnPage = 2;
    await p.pollOnce();
    await expect(p.pollOnce()).rejects.toThrow('upstream failed');
    expect(summary(sinks.changes)).toEqual(['t:1 v2']);
    upstream.failOnPage = undefined;
    p.markRecovering();
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:1 v2', 't:4 v2']);
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:1 v2', 't:4 v2', 't:5 v2 deleted', 't:6 v2 deleted']);
  });

  it('a change published but not stored before a crash is emitted again with the same version (downstream sees one)', async () => {
    const { upstream, sinks, snapshots, poller, source } = setup([thing(1)]);
    await round(poller());
    upstream.items = [thing(1, 'new name')];
    // A replica that publishes the change, then dies before storing its hash.
    const failing: SnapshotStore = { states: (id, ids) => snapshots.states(id, ids), live: (id) => snapshots.live(id), commit: () => Promise.reject(new Error('redis gone')) };
    const fenced = new MemoryCursorStore();
    fenced.fences.set(source.id, 1);
    const crashed = new SnapshotPoller(source, 1, { store: fenced, snapshots: failing, fetcher: upstream, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 0 });
    await expect(crashed.pollOnce()).rejects.toThrow('redis gone');
    await round(poller());
    expect(summary(sinks.changes)).toEqual(['t:1 v1', 't:1 v2', 't:1 v2']);
  });

  it('withholds tombstones when a walk loses more than maxDeleteFraction of the entities, and dead-letters why', async () => {
    const { upstream, sinks, poller } = setup([1, 2, 3, 4].map((id) => thing(id)));
    const p = poller();
    await round(p);
    sinks.changes.length = 0;
    upstream.items = [];
    await round(p);
    await round(p);
    expect(sinks.changes).toEqual([]);
    expect(sinks.rejects).toEqual([expect.objectContaining({ kind: 'snapshot_mass_delete', reason: expect.stringMatching(/lost 4 of 4 known entities/) })]);
    // Half is allowed by default: two of four.
    upstream.items = [thing(1), thing(2)];
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:3 v2 deleted', 't:4 v2 deleted']);
  });

  it('sends no tombstones when they are off, and refuses a list longer than maxEntities as a stalled round', async () => {
    const off = setup([1, 2].map((id) => thing(id)), snapshotSource('    snapshot: { tombstones: false }'));
    await round(off.poller());
    off.upstream.items = [];
    await round(off.poller());
    await round(off.poller());
    expect(summary(off.sinks.changes)).toEqual(['t:1 v1', 't:2 v1']);

    const big = setup([1, 2, 3, 4, 5].map((id) => thing(id)), snapshotSource('    snapshot: { maxEntities: 4 }'));
    const outcomes = await round(big.poller());
    expect(outcomes.at(-1)?.stalled).toMatch(/^snapshot_too_large/);
    expect(big.sinks.rejects.map((r) => r.kind)).toEqual(['snapshot_too_large']);
  });

  it('dead-letters records without an id, counts an entity listed twice once, and stops without writing once its lease is lost', async () => {
    const { upstream, sinks, store, poller } = setup([thing(1), { kind: 't', name: 'no id' } as unknown as Thing, thing(1, 'again')]);
    const p = poller();
    await round(p);
    expect(summary(sinks.changes)).toEqual(['t:1 v1']);
    expect(sinks.rejects.map((r) => r.kind)).toEqual(['missing_id']);
    upstream.items = [thing(1, 'changed')];
    store.fences.set('list', 2);
    await expect(p.pollOnce()).rejects.toBeInstanceOf(LeaseLostError);
    expect(summary(sinks.changes)).toEqual(['t:1 v1']);
  });

  it('whatever the sequence of lists, the emitted changes rebuild exactly the latest list (property)', async () => {
    const list = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 12 }), name: fc.constantFrom('a', 'b', 'c') }), { selector: (t) => t.id, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(fc.array(list, { minLength: 1, maxLength: 6 }), async (lists) => {
        const { upstream, sinks, poller } = setup([], snapshotSource('    snapshot: { maxDeleteFraction: 1, deleteAfterWalks: 1 }'));
        const p = poller();
        const state = new Map<string, { version: number; name?: string }>();
        for (const items of lists) {
          upstream.items = items.map((t) => thing(t.id, t.name));
          await round(p);
          for (const change of sinks.changes.splice(0)) {
            const previous = state.get(change.entityId)?.version ?? 0;
            expect(Number(change.version)).toBe(previous + 1);
            state.set(change.entityId, { version: Number(change.version), ...(change.deleted ? {} : { name: change.record['name'] as string }) });
          }
          const present = [...state].filter(([, s]) => s.name !== undefined).map(([id, s]) => `${id}=${s.name}`).sort();
          expect(present).toEqual(items.map((t) => `t:${t.id}=${t.name}`).sort());
        }
      }),
      { numRuns: 100 },
    );
  });

  it('hashes content, key order included', () => {
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ a: 1, b: 2 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
    expect(contentHash({ a: 1, b: 2 })).toHaveLength(16);
  });
});
