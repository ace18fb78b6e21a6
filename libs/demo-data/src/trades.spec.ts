import fc from 'fast-check';
import { manualClock } from './clock';
import { NO_FAULTS, type FaultConfig } from './faults';
import { decodeTradeCursor, encodeTradeCursor } from './query';
import { FIRST_TRADE_ID, KNOWN_SYMBOLS, symbolSpec, TradeFeed, type Trade, type TradeFeedConfig, type TradePage } from './trades';

const START = Date.parse('2026-01-01T00:00:00Z');
const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD'];
const KEYS = ['id', 'symbol', 'price', 'size', 'side', 'ts'];

function setup(over: Partial<TradeFeedConfig> = {}, faults: Partial<FaultConfig> = {}) {
  const clock = manualClock(START);
  const current: FaultConfig = { ...NO_FAULTS, ...faults };
  const config: TradeFeedConfig = { seed: 'test', startMs: START, symbols: SYMBOLS, perSecond: 20, retentionMs: 3_600_000, maxRecords: 1_000_000, ...over };
  return { clock, feed: new TradeFeed(config, clock, () => current) };
}

/** Follows next_cursor until a page comes back short. */
function walk(feed: TradeFeed, limit: number, cursor?: string): { trades: Trade[]; pages: TradePage[]; cursor: string | undefined } {
  const pages: TradePage[] = [];
  let position = cursor === undefined ? undefined : decodeTradeCursor(cursor);
  let next = cursor;
  for (;;) {
    const page = feed.page({ position, limit });
    pages.push(page);
    next = page.next_cursor;
    position = decodeTradeCursor(next);
    if (page.trades.length < limit) break;
  }
  return { trades: pages.flatMap((p) => p.trades as Trade[]), pages, cursor: next };
}

function decimals(x: number): number {
  const text = String(x);
  return text.includes('.') ? (text.split('.')[1] as string).length : 0;
}

describe('TradeFeed', () => {
  it('emits trades of exactly the documented shape, on each symbol tick, with ids +1', () => {
    const { clock, feed } = setup();
    clock.advance(10 * 60_000);
    const { trades } = walk(feed, 10_000);
    expect(trades.length).toBeGreaterThan(1000);
    const problems: string[] = [];
    trades.forEach((t, i) => {
      const spec = KNOWN_SYMBOLS[t.symbol];
      if (JSON.stringify(Object.keys(t)) !== JSON.stringify(KEYS)) problems.push(`${t.id}: key order`);
      if (t.id !== FIRST_TRADE_ID + 1 + i) problems.push(`${t.id}: expected id ${FIRST_TRADE_ID + 1 + i}`);
      if (!spec || !SYMBOLS.includes(t.symbol)) return problems.push(`${t.id}: symbol ${t.symbol}`);
      if (!(t.price > 0) || decimals(t.price) > Math.log10(spec.priceTicks)) problems.push(`${t.id}: price ${t.price} off the tick`);
      if (!(t.size > 0) || decimals(t.size) > Math.log10(spec.sizeTicks)) problems.push(`${t.id}: size ${t.size} off the tick`);
      if (t.side !== 'buy' && t.side !== 'sell') problems.push(`${t.id}: side ${t.side}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(t.ts)) problems.push(`${t.id}: ts ${t.ts}`);
      const previous = trades[i - 1];
      if (previous && Date.parse(previous.ts) > Date.parse(t.ts)) problems.push(`${t.id}: ts goes backwards`);
      return undefined;
    });
    expect(problems).toEqual([]);
    for (const symbol of SYMBOLS) {
      const prices = trades.filter((t) => t.symbol === symbol).map((t) => t.price);
      expect(prices.length).toBeGreaterThan(10);
      // A random walk around the start price, not a runaway.
      const start = (KNOWN_SYMBOLS[symbol] as { price: number }).price;
      expect(Math.min(...prices)).toBeGreaterThan(start * 0.9);
      expect(Math.max(...prices)).toBeLessThan(start * 1.1);
    }
  });

  it('keeps producing the same trades for the default seed (pinned)', () => {
    const { clock, feed } = setup({ seed: 'deltastream' });
    clock.advance(1_000);
    expect(feed.page({ position: undefined, limit: 2 }).trades).toEqual([
      { id: 100000001, symbol: 'BTC-USD', price: 63999.2, size: 0.012, side: 'sell', ts: '2026-01-01T00:00:00.105Z' },
      { id: 100000002, symbol: 'BTC-USD', price: 64004.8, size: 0.013, side: 'buy', ts: '2026-01-01T00:00:00.357Z' },
    ]);
  });

  it('is deterministic by seed, however generation is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 12 }), (steps) => {
        const a = setup();
        a.clock.advance(steps.reduce((x, y) => x + y, 0));
        const b = setup();
        for (const step of steps) {
          b.clock.advance(step);
          b.feed.page({ position: Number.MAX_SAFE_INTEGER, limit: 1 });
        }
        expect(walk(b.feed, 10_000).trades).toEqual(walk(a.feed, 10_000).trades);
      }),
      { numRuns: 30 },
    );
    const other = setup({ seed: 'other' });
    const same = setup();
    other.clock.advance(30_000);
    same.clock.advance(30_000);
    expect(walk(other.feed, 10_000).trades).not.toEqual(walk(same.feed, 10_000).trades);
  });

  it('pages by opaque cursor without skipping or repeating (any limit, generation interleaved)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 10 }), fc.double({ min: 1, max: 200, noNaN: true }), (limit, steps, perSecond) => {
        const { clock, feed } = setup({ perSecond });
        const seen: Trade[] = [];
        let cursor: string | undefined;
        for (const step of steps) {
          clock.advance(step);
          const walked = walk(feed, limit, cursor);
          seen.push(...walked.trades);
          cursor = walked.cursor;
          for (const page of walked.pages) expect(page.trades.length).toBeLessThanOrEqual(limit);
        }
        expect(seen.map((t) => t.id)).toEqual(Array.from({ length: feed.stats().generated }, (_, i) => FIRST_TRADE_ID + 1 + i));
      }),
      { numRuns: 60 },
    );
  });

  it('reads an absent or evicted cursor from the oldest retained; waits at a cursor past the end', () => {
    const { clock, feed } = setup({ retentionMs: 10_000 });
    clock.advance(60_000);
    const oldest = feed.page({ position: undefined, limit: 1 });
    expect(feed.page({ position: 0, limit: 1 })).toEqual(oldest);
    expect(Date.parse((oldest.trades[0] as Trade).ts)).toBeGreaterThanOrEqual(clock() - 10_000);

    const ahead = encodeTradeCursor(feed.stats().generated + 100);
    const waiting = feed.page({ position: decodeTradeCursor(ahead), limit: 10 });
    expect(waiting).toEqual({ trades: [], next_cursor: ahead });

    // An idle poll at the head answers the same body (so ETags match).
    const head = walk(feed, 10_000).cursor;
    expect(feed.page({ position: decodeTradeCursor(head as string), limit: 10 })).toEqual({ trades: [], next_cursor: head });
  });

  it('comes in bursts and quiet periods that average the configured rate', () => {
    const { clock, feed } = setup({ perSecond: 20 });
    clock.advance(60 * 60_000);
    const { trades } = walk(feed, 10_000);
    const perSecond = new Map<number, number>();
    for (const t of trades) {
      const second = Math.floor((Date.parse(t.ts) - START) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const counts = Array.from({ length: 3600 }, (_, s) => perSecond.get(s) ?? 0);
    const mean = trades.length / 3600;
    expect(mean).toBeGreaterThan(20 * 0.8);
    expect(mean).toBeLessThan(20 * 1.2);
    expect(counts.filter((c) => c >= 3 * mean).length).toBeGreaterThan(100);
    expect(counts.filter((c) => c <= mean / 3).length).toBeGreaterThan(1000);
  });

  it('keeps at most maxRecords', () => {
    const { clock, feed } = setup({ perSecond: 1000, maxRecords: 1_000 });
    clock.advance(60_000);
    expect(walk(feed, 10_000).trades).toHaveLength(1_000);
    expect(feed.stats().retained).toBe(1_000);
  });

  it('makes up a stable spec for symbols it does not know', () => {
    const spec = symbolSpec('FOO-EUR', 'test');
    expect(symbolSpec('FOO-EUR', 'test')).toEqual(spec);
    expect(spec.price).toBeGreaterThanOrEqual(1);
    expect(spec.price).toBeLessThanOrEqual(10_000 * 10);
    const { clock, feed } = setup({ symbols: ['FOO-EUR'] });
    clock.advance(30_000);
    expect(walk(feed, 10_000).trades.every((t) => t.symbol === 'FOO-EUR' && decimals(t.price) <= 2)).toBe(true);
  });

  it('late fault: some trades arrive after later ones (ids out of order), none lost', () => {
    const { clock, feed } = setup({ perSecond: 50 }, { lateRate: 0.1, lateByMs: 2_000 });
    const seen: Trade[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 120; i++) {
      clock.advance(500);
      const walked = walk(feed, 100, cursor);
      seen.push(...walked.trades);
      cursor = walked.cursor;
    }
    const outOfOrder = seen.filter((t, i) => i > 0 && t.id < (seen[i - 1] as Trade).id).length;
    expect(outOfOrder).toBeGreaterThan(0);
    const stats = feed.stats();
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
    expect(seen).toHaveLength(stats.generated - stats.pending);
  });

  it('duplicate and bad-record faults are decided by trade identity', () => {
    const run = () => {
      const { clock, feed } = setup({}, { duplicateRate: 0.2, badRecordRate: 0.1 });
      const out: unknown[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 60; i++) {
        clock.advance(1_000);
        const walked = walk(feed, 25, cursor);
        out.push(...walked.pages.flatMap((p) => p.trades));
        cursor = walked.cursor;
      }
      return out as Record<string, unknown>[];
    };
    const trades = run();
    expect(run()).toEqual(trades);
    const ids = trades.map((t) => t['id']).filter((id): id is number => typeof id === 'number');
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    const broken = trades.filter((t) => JSON.stringify(Object.keys(t)) !== JSON.stringify(KEYS) || typeof t['id'] !== 'number' || typeof t['price'] !== 'number' || typeof t['ts'] !== 'string');
    expect(broken.length / trades.length).toBeGreaterThan(0.05);
    expect(broken.length / trades.length).toBeLessThan(0.15);
  });
});
