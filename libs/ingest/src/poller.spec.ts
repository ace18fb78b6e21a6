import fc from 'fast-check';
import { parseSuiteConfig, type SourceConfig } from '@deltastream/suite-config';
import { MemoryCursorStore } from './memory-cursor-store';
import { LeaseLostError, SourcePoller } from './poller';
import type { ChangeSink, FetchRequest, FetchResult, PageFetcher } from './ports';
import { noopMetrics } from './ports';
import { CollectingSinks } from './fixtures/collecting-sinks';

type Row = { id: string; version: number; updated_at: string };

function sourceConfig(extra = ''): SourceConfig {
  const suite = parseSuiteConfig(`
version: 1
sources:
  - id: src
    stream: things
    url: http://upstream.test/changes
    recordsPath: items
    cursor: { mode: field, field: updated_at, param: since, overlap: 5000 }
    page: { param: limit, size: 3 }
${extra}`);
  const [source] = suite.sources;
  if (!source) throw new Error('no source');
  return source;
}

/** An upstream that serves rows with updated_at > since, ordered, `limit` at a time. */
class FieldUpstream implements PageFetcher {
  readonly requests: FetchRequest[] = [];
  constructor(public rows: Row[]) {}
  async fetch(request: FetchRequest): Promise<FetchResult> {
    this.requests.push(request);
    const since = Date.parse(request.query['since'] ?? '1970-01-01T00:00:00Z');
    const limit = Number(request.query['limit']);
    const items = this.rows
      .filter((r) => Date.parse(r.updated_at) > since)
      .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id.localeCompare(b.id))
      .slice(0, limit);
    return { kind: 'page', body: { items }, bytes: JSON.stringify(items).length, headers: {} };
  }
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function setup(rows: Row[], source = sourceConfig()) {
  const store = new MemoryCursorStore();
  store.fences.set(source.id, 1);
  const upstream = new FieldUpstream(rows);
  const sinks = new CollectingSinks();
  const poller = new SourcePoller(source, 1, { store, fetcher: upstream, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 1_000 });
  return { store, upstream, sinks, poller, source };
}

/** Lets pending promise callbacks run until `check` holds (no timers: everything here is in-process). */
async function eventually(check: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !check(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!check()) throw new Error('condition never held');
}

async function drain(poller: SourcePoller, maxPolls = 200): Promise<void> {
  for (let i = 0; i < maxPolls; i += 1) {
    if ((await poller.pollOnce()).caughtUp) return;
  }
  throw new Error('did not catch up');
}

describe('SourcePoller (field cursor)', () => {
  it('pages until caught up and produces every record exactly once', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(i + 1) }));
    const { poller, sinks, store } = setup(rows);
    await drain(poller);
    expect(sinks.changes.map((c) => c.entityId)).toEqual(rows.map((r) => r.id));
    expect(store.cursors.get('src')?.value).toBe(at(10));
    expect(sinks.changes[0]).toMatchObject({ sourceId: 'src', stream: 'things', version: '1', cursor: at(1), recovery: true });
    expect(sinks.changes[9]?.recovery).toBe(false);
  });

  it('does not lose records that share the cursor value across a page boundary', async () => {
    const rows = [
      { id: 'a', version: 1, updated_at: at(1) },
      { id: 'b', version: 1, updated_at: at(2) },
      { id: 'c', version: 1, updated_at: at(2) },
      { id: 'd', version: 1, updated_at: at(2) },
      { id: 'e', version: 1, updated_at: at(3) },
    ];
    const { poller, sinks } = setup(rows);
    await drain(poller);
    expect(sinks.changes.map((c) => c.entityId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('grows the page when more records share one cursor value than a page holds', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(5) }));
    const { poller, sinks } = setup(rows);
    await drain(poller);
    expect(new Set(sinks.changes.map((c) => c.entityId)).size).toBe(7);
    expect(sinks.changes).toHaveLength(7);
  });

  it('rewinds by the overlap after recovery and suppresses the (entity, version) already produced', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(i + 1) }));
    const { poller, sinks, upstream } = setup(rows);
    await drain(poller);
    poller.markRecovering();
    rows.push({ id: 'e0', version: 2, updated_at: at(7) });
    upstream.rows = rows;
    await drain(poller);
    const last = upstream.requests.at(-2);
    expect(last?.query['since']).toBe(new Date(Date.parse(at(6)) - 5000).toISOString());
    expect(sinks.changes.map((c) => `${c.entityId}@${c.version}`)).toEqual(['e0@1', 'e1@1', 'e2@1', 'e3@1', 'e4@1', 'e5@1', 'e0@2']);
  });

  it('dead-letters bad records and keeps the good ones of the same page', async () => {
    const rows = [
      { id: 'a', version: 1, updated_at: at(1) },
      { version: 1, updated_at: at(2) },
      { id: 'c', updated_at: at(2) },
      { id: { nested: true }, version: 1, updated_at: at(2) },
      { id: 'e', version: 1, updated_at: 'yesterday' },
      'not an object',
      { id: 'g', version: 1, updated_at: at(3) },
    ] as unknown as Row[];
    const sinks = new CollectingSinks();
    const fetcher: PageFetcher = { fetch: async () => ({ kind: 'page', body: { items: rows }, bytes: 1, headers: {} }) };
    const store = new MemoryCursorStore();
    store.fences.set('src', 1);
    const poller = new SourcePoller({ ...sourceConfig(), page: { param: 'limit', size: 100 } }, 1, { store, fetcher, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 1 });
    await poller.pollOnce();
    expect(sinks.changes.map((c) => c.entityId)).toEqual(['a', 'g']);
    expect(sinks.rejects.map((r) => r.kind)).toEqual(['missing_id', 'missing_version', 'wrong_type', 'wrong_type', 'not_an_object']);
    expect(sinks.rejects[0]?.reason).toBe('record has no id field "id"');
  });

  it('reports a page whose every record is refused as stalled, and fetches nothing ahead while it is', async () => {
    const rows = [{ id: 'a', updated_at: at(1) }, { id: 'b', updated_at: at(2) }] as unknown as Row[];
    const { poller, upstream, sinks, store } = setup(rows, { ...sourceConfig(), page: { param: 'limit', size: 2 } });
    const outcome = await poller.pollOnce();
    expect(outcome).toMatchObject({ caughtUp: true, produced: 0, rejected: 2, stalled: 'all 2 records refused, first: missing_version: record a has no version field "version"' });
    expect(upstream.requests).toHaveLength(1); // a full page, yet nothing fetched ahead
    expect(store.cursors.get('src')?.value).toBe('1970-01-01T00:00:00.000Z');
    // Once the records are fixed upstream the source moves again and is no longer stalled.
    upstream.rows = rows.map((r) => ({ ...r, version: 1 }));
    const next = await poller.pollOnce();
    expect(next.stalled).toBeUndefined();
    expect(sinks.changes.map((c) => c.entityId)).toEqual(['a', 'b']);
  });

  it('does not report a stall when part of the page was accepted, or for a refused whole response only once', async () => {
    const { poller } = setup([{ id: 'a', version: 1, updated_at: at(1) }, { id: 'b', updated_at: at(2) } as unknown as Row]);
    expect((await poller.pollOnce()).stalled).toBeUndefined();
    const broken = new SourcePoller(sourceConfig(), 1, {
      store: Object.assign(new MemoryCursorStore(), {}),
      fetcher: { fetch: async () => ({ kind: 'rejected', rejectKind: 'malformed_json', reason: 'unexpected end', original: new Uint8Array([123]) }) },
      changes: new CollectingSinks(),
      rejects: new CollectingSinks(),
      metrics: noopMetrics,
      clock: () => 1,
    });
    expect((await broken.pollOnce()).stalled).toBe('malformed_json: unexpected end');
  });

  it('dead-letters records behind the suppression horizon instead of producing possible duplicates', async () => {
    const { poller, sinks, upstream } = setup([{ id: 'a', version: 1, updated_at: at(100) }]);
    await drain(poller);
    const stale = { id: 'old', version: 9, updated_at: at(1) };
    upstream.fetch = async () => ({ kind: 'page', body: { items: [stale] }, bytes: 1, headers: {} });
    await poller.pollOnce();
    expect(sinks.rejects).toEqual([expect.objectContaining({ kind: 'cursor_backwards', original: stale })]);
    expect(sinks.changes.map((c) => c.entityId)).toEqual(['a']);
  });

  it('asks the store only about records at or before its cursor, and stores only keys the horizon keeps', async () => {
    // overlap 5 s: a page past the cursor needs no lookups; only its last 5 s of keys are worth keeping.
    const rows = Array.from({ length: 12 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(i * 2) }));
    const { store, poller, sinks } = setup(rows, { ...sourceConfig(), page: { ...sourceConfig().page, size: 100 } });
    const ids = (keys: readonly string[]) => keys.map((key) => key.split('\u0000')[0] ?? key);
    const lookedUp: string[][] = [];
    const stored: string[][] = [];
    const seen = store.seen.bind(store);
    const commit = store.commit.bind(store);
    store.seen = async (id, keys) => (lookedUp.push(ids(keys)), seen(id, keys));
    store.commit = async (id, fence, cursor, keys, horizon) => (stored.push(ids(keys.map((k) => k.key))), commit(id, fence, cursor, keys, horizon));
    await drain(poller);
    expect(sinks.changes).toHaveLength(12);
    // First poll: everything is past the (initial) cursor → no lookups; keys of the last 5 s (18–22 s) kept.
    expect(lookedUp[0] ?? []).toEqual([]);
    expect(stored[0]).toEqual(['e9', 'e10', 'e11']);
    // A recovery re-reads the overlap: exactly those are looked up, found, and not produced twice.
    poller.markRecovering();
    await drain(poller);
    expect(lookedUp.at(-1)).toEqual(['e9', 'e10', 'e11']);
    expect(sinks.changes).toHaveLength(12);
  });

  it('requests the next page while the current one is published, and uses it when the cursor moved as expected', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(i + 1) }));
    const { poller, sinks, upstream } = setup(rows);
    let release: () => void = () => undefined;
    const publish = sinks.publish.bind(sinks);
    const published: string[][] = [];
    sinks.publish = async (changes) => {
      published.push(changes.map((c) => c.entityId));
      await new Promise<void>((resolve) => (release = resolve));
      return publish(changes);
    };
    const first = poller.pollOnce();
    await eventually(() => published.length === 1);
    // While page 1 (e0–e2) waits for the broker, page 2 is already asked for, from e2's cursor.
    expect(upstream.requests.map((r) => r.query['since'])).toEqual([new Date(-5000).toISOString(), new Date(Date.parse(at(3)) - 1).toISOString()]);
    release();
    expect((await first).caughtUp).toBe(false);
    const second = poller.pollOnce();
    await eventually(() => published.length === 2);
    expect(upstream.requests).toHaveLength(3); // page 2 was not fetched again; page 3 is on its way
    release();
    await second;
    sinks.publish = publish;
    await drain(poller);
    expect(sinks.changes.map((c) => c.entityId)).toEqual(rows.map((r) => r.id));
  });

  it('drops the page fetched ahead when publishing fails, and re-reads from the overlap', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(i + 1) }));
    const { poller, sinks, upstream } = setup(rows);
    await poller.pollOnce(); // the start is a recovery: page 1, and page 2 fetched ahead
    const publish = sinks.publish.bind(sinks);
    sinks.publish = async () => {
      throw new Error('broker down');
    };
    await expect(poller.pollOnce()).rejects.toThrow('broker down');
    sinks.publish = publish;
    poller.markRecovering();
    await drain(poller);
    const sinces = upstream.requests.map((r) => r.query['since']);
    // After the failure: from the committed cursor (e2 at 3 s) minus the 5 s overlap, not the page ahead.
    expect(sinces).toContain(new Date(Date.parse(at(3)) - 5000).toISOString());
    expect(new Set(sinks.changes.map((c) => c.entityId))).toEqual(new Set(rows.map((r) => r.id)));
  });

  it('stops with LeaseLostError and writes nothing once fenced', async () => {
    const { poller, store, sinks } = setup([{ id: 'a', version: 1, updated_at: at(1) }]);
    store.fences.set('src', 2);
    await expect(poller.pollOnce()).rejects.toBeInstanceOf(LeaseLostError);
    expect(store.cursors.get('src')).toBeUndefined();
    expect(sinks.changes).toEqual([]);
  });

  it('produces nothing when the source was taken over while its page was being fetched (a paused replica waking up)', async () => {
    const { poller, store, sinks, upstream } = setup([{ id: 'a', version: 1, updated_at: at(1) }, { id: 'b', updated_at: at(2) } as unknown as Row]);
    const fetch = upstream.fetch.bind(upstream);
    upstream.fetch = async (request) => {
      const page = await fetch(request);
      store.fences.set('src', 2); // the new owner took the lease during this fetch
      return page;
    };
    await expect(poller.pollOnce()).rejects.toBeInstanceOf(LeaseLostError);
    expect(sinks.changes).toEqual([]);
    expect(sinks.rejects).toEqual([]);
  });

  it('never advances the cursor when publishing fails (at-least-once)', async () => {
    const { store, upstream, source } = setup([{ id: 'a', version: 1, updated_at: at(1) }]);
    const failing: ChangeSink = { publish: () => Promise.reject(new Error('broker down')) };
    const poller = new SourcePoller(source, 1, { store, fetcher: upstream, changes: failing, rejects: new CollectingSinks(), metrics: noopMetrics, clock: () => 1 });
    await expect(poller.pollOnce()).rejects.toThrow('broker down');
    expect(store.cursors.get('src')).toBeUndefined();
  });

  it('halves the page size after a response over the size cap', async () => {
    const { store, source } = setup([]);
    const sinks = new CollectingSinks();
    const tooBig: PageFetcher = { fetch: async () => ({ kind: 'rejected', rejectKind: 'response_too_large', reason: 'over 16 MiB', original: new Uint8Array() }) };
    const poller = new SourcePoller({ ...source, page: { param: 'limit', size: 1000 } }, 1, { store, fetcher: tooBig, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 1 });
    await poller.pollOnce();
    expect(poller.currentPageSize).toBe(500);
    expect(sinks.rejects[0]).toMatchObject({ kind: 'response_too_large', reason: 'over 16 MiB' });
  });

  it('property: any interleaving of recoveries delivers every (entity, version) at least once, each exactly once outside recovery', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ entity: fc.integer({ min: 0, max: 5 }), second: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        async (specs, recoveries) => {
          const versions = new Map<number, number>();
          const rows = specs.map(({ entity, second }) => {
            const version = (versions.get(entity) ?? 0) + 1;
            versions.set(entity, version);
            return { id: `e${entity}`, version, updated_at: at(second) };
          });
          const { poller, sinks } = setup(rows);
          for (let i = 0; i < 200; i += 1) {
            if (recoveries[i % Math.max(recoveries.length, 1)]) poller.markRecovering();
            if ((await poller.pollOnce()).caughtUp && i > recoveries.length) break;
          }
          await drain(poller);
          const delivered = sinks.changes.map((c) => `${c.entityId}@${c.version}`);
          expect(new Set(delivered)).toEqual(new Set(rows.map((r) => `${r.id}@${r.version}`)));
          expect(delivered.length).toBe(new Set(delivered).size);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('SourcePoller (token cursor)', () => {
  const tokenSource = () =>
    parseSuiteConfig(`
version: 1
sources:
  - id: trades
    stream: trades
    url: http://upstream.test/trades
    recordsPath: trades
    entityIdField: symbol
    versionField: id
    cursor: { mode: token, param: cursor, path: next_cursor }
    page: { param: limit, size: 2 }
`).sources[0] as SourceConfig;

  it('follows next_cursor page by page and stores the token only after publishing', async () => {
    const trades = Array.from({ length: 5 }, (_, i) => ({ id: 100 + i, symbol: i % 2 ? 'ETH' : 'BTC', price: 1 + i }));
    const fetcher: PageFetcher = {
      fetch: async (request) => {
        const from = Number(request.query['cursor'] ?? '0');
        const page = trades.slice(from, from + 2);
        return { kind: 'page', body: { trades: page, next_cursor: String(from + page.length) }, bytes: 1, headers: {} };
      },
    };
    const store = new MemoryCursorStore();
    store.fences.set('trades', 7);
    const sinks = new CollectingSinks();
    const poller = new SourcePoller(tokenSource(), 7, { store, fetcher, changes: sinks, rejects: sinks, metrics: noopMetrics, clock: () => 1 });
    await drain(poller);
    expect(sinks.changes.map((c) => c.version)).toEqual(['100', '101', '102', '103', '104']);
    expect(store.cursors.get('trades')).toEqual({ value: '5', position: 3 });
  });
});
