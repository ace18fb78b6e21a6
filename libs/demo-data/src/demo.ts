import type { Clock } from './clock';
import { FaultInjector, NO_FAULTS, type FaultConfig } from './faults';
import { SensorFeed, type FeedStats } from './sensors';
import { TradeFeed } from './trades';

export interface DemoOptions {
  readonly seed: string;
  /** Simulated epoch ms the feeds start at. */
  readonly startMs: number;
  readonly sensors: { readonly count: number; readonly hz: number };
  readonly trades: { readonly symbols: readonly string[]; readonly perSecond: number };
  /** Per feed: records older than `ms` (simulated) are dropped, and at most `maxRecords` are kept. */
  readonly retention: { readonly ms: number; readonly maxRecords: number };
  readonly faults?: FaultConfig;
  /** Simulated time (see `simulatedClock`). */
  readonly clock: Clock;
}

export interface DemoStats {
  readonly now: string;
  readonly requests: number;
  readonly sensors: FeedStats;
  readonly trades: FeedStats;
}

/** The demo upstream: both feeds and the fault injector, sharing one seed and one clock. */
export class DemoWorld {
  readonly faults: FaultInjector;
  readonly sensors: SensorFeed;
  readonly trades: TradeFeed;

  constructor(private readonly options: DemoOptions) {
    const { seed, startMs, clock, retention } = options;
    this.faults = new FaultInjector(seed, options.faults ?? NO_FAULTS);
    const current = () => this.faults.config;
    this.sensors = new SensorFeed({ seed, startMs, sensors: options.sensors.count, hz: options.sensors.hz, retentionMs: retention.ms, maxRecords: retention.maxRecords }, clock, current);
    this.trades = new TradeFeed({ seed, startMs, symbols: options.trades.symbols, perSecond: options.trades.perSecond, retentionMs: retention.ms, maxRecords: retention.maxRecords }, clock, current);
  }

  stats(): DemoStats {
    const now = this.options.clock();
    this.sensors.advanceTo(now);
    this.trades.advanceTo(now);
    return { now: new Date(now).toISOString(), requests: this.faults.requestCount, sensors: this.sensors.stats(), trades: this.trades.stats() };
  }
}
