import { isoOf, type Clock } from './clock';
import { NO_FAULTS, RecordFaults, type FaultConfig } from './faults';
import { planPage } from './paging';
import { encodeTradeCursor, type TradeQuery } from './query';
import { hashSeed, Rng } from './random';
import { ColumnRing, releaseDue } from './ring';
import { feedStats, type FeedStats } from './sensors';

export interface TradeFeedConfig {
  readonly seed: string;
  readonly startMs: number;
  readonly symbols: readonly string[];
  /** Average trades per second over all symbols (bursts and quiet periods average out to this); 0: none. */
  readonly perSecond: number;
  readonly retentionMs: number;
  readonly maxRecords: number;
}

/** One trade, keys in this order on the wire. */
export interface Trade {
  readonly id: number;
  readonly symbol: string;
  readonly price: number;
  readonly size: number;
  readonly side: 'buy' | 'sell';
  readonly ts: string;
}

/** `GET /v1/trades` body. */
export interface TradePage {
  readonly trades: readonly (Trade | Record<string, unknown>)[];
  readonly next_cursor: string;
}

/** How a symbol trades: starting price, tick sizes (as ticks per unit) and a typical size. */
export interface SymbolSpec {
  readonly price: number;
  /** Price ticks per unit: 10 → tick 0.1. */
  readonly priceTicks: number;
  /** Size ticks per unit: 10 000 → 0.0001. */
  readonly sizeTicks: number;
  readonly meanSize: number;
  /** Share of the trades (relative). */
  readonly weight: number;
}

export const KNOWN_SYMBOLS: Readonly<Record<string, SymbolSpec>> = {
  'BTC-USD': { price: 64_000, priceTicks: 10, sizeTicks: 10_000, meanSize: 0.02, weight: 4 },
  'ETH-USD': { price: 3_400, priceTicks: 100, sizeTicks: 1_000, meanSize: 0.3, weight: 3 },
  'SOL-USD': { price: 150, priceTicks: 100, sizeTicks: 100, meanSize: 5, weight: 2 },
  'ADA-USD': { price: 0.45, priceTicks: 10_000, sizeTicks: 1, meanSize: 800, weight: 1 },
  'XRP-USD': { price: 0.6, priceTicks: 10_000, sizeTicks: 1, meanSize: 500, weight: 1 },
  'DOGE-USD': { price: 0.15, priceTicks: 100_000, sizeTicks: 1, meanSize: 2_000, weight: 1 },
  'LTC-USD': { price: 80, priceTicks: 100, sizeTicks: 1_000, meanSize: 3, weight: 1 },
};

export const SYMBOL_PATTERN = /^[A-Z0-9]{2,10}-[A-Z]{3,5}$/;
export const MAX_SYMBOLS = 64;

/** The known spec, or a seeded one (price 1–10 000 with a cent tick) for any other symbol. */
export function symbolSpec(symbol: string, seed: string): SymbolSpec {
  const known = KNOWN_SYMBOLS[symbol];
  if (known) return known;
  const h = hashSeed(`${seed}/symbol/${symbol}`);
  const price = Math.round(10 ** (h % 4) * (1 + ((h >>> 8) % 900) / 100) * 100) / 100;
  return { price, priceTicks: 100, sizeTicks: 100, meanSize: Math.max(0.1, Math.round(1000 / price) / 10), weight: 1 };
}

/** First trade id is FIRST_TRADE_ID + 1; ids go up by one per trade. */
export const FIRST_TRADE_ID = 100_000_000;

const QUIET = { rate: 0.25, meanMs: 8_000 };
const BURST = { rate: 4, meanMs: 2_000, focus: 0.6 };
/** Price move per trade (standard deviation, fraction of the price) and pull back to the start price. */
const VOLATILITY = 0.00005;
const REVERSION = 0.00001;
const TRADE_BAD_KINDS = ['missing_id', 'missing_symbol', 'wrong_type_id', 'wrong_type_price', 'wrong_type_ts'] as const;

const tradeColumns = {
  arrival: Float64Array,
  ts: Float64Array,
  id: Float64Array,
  symbol: Uint8Array,
  /** In price ticks. */
  price: Float64Array,
  /** In size ticks. */
  size: Float64Array,
  /** 0 buy, 1 sell. */
  side: Uint8Array,
};

type TradeRing = ColumnRing<typeof tradeColumns>;

/**
 * Crypto trades in bursts: a Poisson stream whose rate switches between quiet periods (a quarter of the
 * average, ~8 s) and bursts (4× the average, ~2 s, mostly on one symbol), so it averages `perSecond`.
 * Prices are random walks in whole ticks with a gentle pull back to the start price. Generated lazily up
 * to `now` into a bounded ring; the opaque cursor is a position in that stream.
 */
export class TradeFeed {
  private readonly specs: SymbolSpec[];
  private readonly cumulativeWeight: number[];
  private readonly priceX: Float64Array;
  private readonly priceBase: Float64Array;
  private readonly rng: Rng;
  private readonly ring: TradeRing;
  private readonly pending: TradeRing;
  private readonly faults: RecordFaults;

  private nextAt: number;
  private burst = false;
  private burstSymbol = 0;
  private regimeEnd: number;
  private count = 0;
  private generatedTo: number;

  constructor(
    private readonly config: TradeFeedConfig,
    private readonly clock: Clock,
    faults: () => FaultConfig = () => NO_FAULTS,
  ) {
    const { symbols, seed, perSecond } = config;
    if (symbols.length === 0 || symbols.length > MAX_SYMBOLS) throw new RangeError(`between 1 and ${MAX_SYMBOLS} symbols, got ${symbols.length}`);
    if (!(perSecond >= 0)) throw new RangeError(`perSecond must be >= 0, got ${perSecond}`);
    this.specs = symbols.map((s) => symbolSpec(s, seed));
    let total = 0;
    this.cumulativeWeight = this.specs.map((s) => (total += s.weight));
    this.priceBase = Float64Array.from(this.specs, (s) => Math.round(s.price * s.priceTicks));
    this.priceX = Float64Array.from(this.priceBase);
    this.ring = new ColumnRing(tradeColumns, config.maxRecords);
    this.pending = new ColumnRing(tradeColumns, config.maxRecords, 256);
    this.faults = new RecordFaults(hashSeed(`${seed}/trade-faults`), faults);
    this.rng = new Rng(hashSeed(`${seed}/trades`));
    this.nextAt = config.startMs;
    this.regimeEnd = config.startMs + this.rng.exponential(QUIET.meanMs);
    this.generatedTo = config.startMs - 1;
    if (perSecond > 0) this.scheduleNext();
  }

  advanceTo(now: number): void {
    if (now <= this.generatedTo) return;
    const keepFrom = now - this.config.retentionMs;
    if (this.config.perSecond > 0) {
      for (;;) {
        const ts = Math.floor(this.nextAt);
        if (ts > now) break;
        if (this.pending.size > 0) this.release(ts);
        this.emit(ts, keepFrom);
        this.scheduleNext();
      }
    }
    if (this.pending.size > 0) this.release(now);
    this.generatedTo = now;
    const arrival = this.ring.cols.arrival;
    let first = this.ring.firstSeq;
    while (first < this.ring.endSeq && (arrival[this.ring.index(first)] as number) < keepFrom) first++;
    this.ring.dropBefore(first);
  }

  /**
   * Trades from stream position `position` (undefined: the oldest retained; a position already evicted
   * also reads from the oldest retained), at most `limit`. `next_cursor` is the position after the page
   * (unchanged when nothing new exists, so an idle poll returns the same body).
   */
  page(query: TradeQuery): TradePage {
    this.advanceTo(this.clock());
    const { ring } = this;
    const first = ring.firstSeq;
    const end = ring.endSeq;
    const start = query.position === undefined ? first : Math.max(query.position, first);
    const duplicates = this.faults.duplicates();
    const arrival = ring.cols.arrival;
    const { items, stop } = planPage({
      start: Math.min(start, end),
      end,
      first,
      limit: query.limit,
      arrival: (seq) => arrival[ring.index(seq)] as number,
      keepGroups: false,
      duplicates: duplicates && { afterMs: duplicates.afterMs, pick: (seq) => this.faults.duplicate(ring.cols.id[ring.index(seq)] as number, 0) },
    });
    const trades = items.map((seq) => this.trade(seq));
    // A position past the end (a cursor from before a restart) waits there until the stream reaches it.
    return { trades, next_cursor: encodeTradeCursor(Math.max(start, stop)) };
  }

  stats(): FeedStats {
    return feedStats(this.ring, this.pending.size, this.count, Math.max(this.generatedTo, this.config.startMs));
  }

  /** Draws the next trade time; crossing a regime end switches regime there (the stream is memoryless). */
  private scheduleNext(): void {
    const perMs = this.config.perSecond / 1000;
    for (;;) {
      const rate = perMs * (this.burst ? BURST.rate : QUIET.rate);
      const candidate = this.nextAt + this.rng.exponential(1 / rate);
      if (candidate < this.regimeEnd) {
        this.nextAt = candidate;
        return;
      }
      this.nextAt = this.regimeEnd;
      this.burst = !this.burst;
      this.regimeEnd += this.rng.exponential(this.burst ? BURST.meanMs : QUIET.meanMs);
      if (this.burst) this.burstSymbol = this.pickSymbol();
    }
  }

  private pickSymbol(): number {
    const total = this.cumulativeWeight[this.cumulativeWeight.length - 1] as number;
    const r = this.rng.float() * total;
    const index = this.cumulativeWeight.findIndex((w) => r < w);
    return index < 0 ? this.cumulativeWeight.length - 1 : index;
  }

  private emit(ts: number, keepFrom: number): void {
    const { rng } = this;
    const symbol = this.burst && rng.float() < BURST.focus ? this.burstSymbol : this.pickSymbol();
    const spec = this.specs[symbol] as SymbolSpec;
    const base = this.priceBase[symbol] as number;
    const x = this.priceX[symbol] as number;
    const step = rng.normal() * base * VOLATILITY * (this.burst ? 2 : 1) - (x - base) * REVERSION;
    const next = Math.max(1, x + step);
    this.priceX[symbol] = next;
    const size = Math.max(1, Math.round(spec.meanSize * Math.exp(rng.normal() * 0.8 - 0.32) * spec.sizeTicks));
    const id = FIRST_TRADE_ID + ++this.count;

    const lateBy = this.faults.lateBy(id, 0);
    if (ts + lateBy < keepFrom) return;
    const target = lateBy > 0 ? this.pending : this.ring;
    const i = target.push();
    const c = target.cols;
    c.arrival[i] = ts + lateBy;
    c.ts[i] = ts;
    c.id[i] = id;
    c.symbol[i] = symbol;
    c.price[i] = Math.max(1, Math.round(next));
    c.size[i] = size;
    c.side[i] = step >= 0 ? 0 : 1;
  }

  /** Moves late records due by `bound` into the visible ring (arrival kept non-decreasing). */
  private release(bound: number): void {
    releaseDue(this.pending, this.ring, bound);
  }

  private trade(seq: number): Trade | Record<string, unknown> {
    const c = this.ring.cols;
    const i = this.ring.index(seq);
    const symbolIndex = c.symbol[i] as number;
    const spec = this.specs[symbolIndex] as SymbolSpec;
    const id = c.id[i] as number;
    const trade: Trade = {
      id,
      symbol: this.config.symbols[symbolIndex] as string,
      price: (c.price[i] as number) / spec.priceTicks,
      size: (c.size[i] as number) / spec.sizeTicks,
      side: c.side[i] === 0 ? 'buy' : 'sell',
      ts: isoOf(c.ts[i] as number),
    };
    const bad = this.faults.bad(id, 0, TRADE_BAD_KINDS);
    return bad === undefined ? trade : breakTrade(trade, bad, c.ts[i] as number);
  }
}

function breakTrade(trade: Trade, kind: (typeof TRADE_BAD_KINDS)[number], ts: number): Record<string, unknown> {
  const { id, symbol, ...rest } = trade;
  switch (kind) {
    case 'missing_id':
      return { symbol, ...rest };
    case 'missing_symbol':
      return { id, ...rest };
    case 'wrong_type_id':
      return { id: { trade: id }, symbol, ...rest };
    case 'wrong_type_price':
      return { id, symbol, ...rest, price: String(trade.price) };
    case 'wrong_type_ts':
      return { id, symbol, ...rest, ts };
  }
}
