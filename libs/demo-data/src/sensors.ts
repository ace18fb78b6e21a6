import { isoOf, type Clock } from './clock';
import { NO_FAULTS, RecordFaults, type FaultConfig } from './faults';
import { planPage } from './paging';
import { hashSeed, Rng } from './random';
import { ColumnRing, firstAbove, releaseDue, type ColumnDefs } from './ring';
import type { SensorQuery } from './query';

export interface SensorFeedConfig {
  readonly seed: string;
  /** Simulated epoch ms of the first period (DEMO_START). */
  readonly startMs: number;
  readonly sensors: number;
  /** Updates per second per sensor, in (0, 1000]. */
  readonly hz: number;
  /** Records that arrived longer ago than this (simulated ms) are dropped… */
  readonly retentionMs: number;
  /** … and at most this many are kept. */
  readonly maxRecords: number;
}

/** One sensor update, keys in this order on the wire. */
export interface SensorRecord {
  readonly id: string;
  readonly version: number;
  readonly timestamp: string;
  readonly temperature: number;
  readonly humidity: number;
  readonly pressure: number;
  readonly battery: number;
  readonly status: 'ok' | 'warn';
}

/** `GET /v1/sensors/changes` body. Records may be broken when the bad-record fault is on. */
export interface SensorPage {
  readonly records: readonly (SensorRecord | Record<string, unknown>)[];
  readonly next_since: string;
  readonly has_more: boolean;
}

export interface FeedStats {
  /** Records generated since start (including any already evicted). */
  readonly generated: number;
  readonly retained: number;
  /** Late records generated but not yet visible. */
  readonly pending: number;
  readonly oldest: string | null;
  readonly newest: string | null;
  /** Simulated time the feed has been generated up to. */
  readonly generatedTo: string;
}

/** Statistics of a feed kept as a visible ring (arrival-ordered) plus its pending late records. */
export function feedStats(ring: ColumnRing<ColumnDefs & { arrival: Float64ArrayConstructor }>, pendingSize: number, generated: number, generatedToMs: number): FeedStats {
  const arrival = ring.cols.arrival;
  return {
    generated,
    retained: ring.size,
    pending: pendingSize,
    oldest: ring.size > 0 ? isoOf(arrival[ring.index(ring.firstSeq)] as number) : null,
    newest: ring.size > 0 ? isoOf(arrival[ring.index(ring.endSeq - 1)] as number) : null,
    generatedTo: isoOf(generatedToMs),
  };
}

export function sensorIdWidth(sensors: number): number {
  return Math.max(3, String(sensors).length);
}

/** `sensor-007`: 1-based, zero-padded to 3 digits (more when there are more than 999 sensors). */
export function sensorId(index: number, sensors: number): string {
  return `sensor-${String(index + 1).padStart(sensorIdWidth(sensors), '0')}`;
}

const WARN_RATE = 0.02;
const SENSOR_BAD_KINDS = ['missing_id', 'missing_version', 'wrong_type_id', 'wrong_type_version', 'wrong_type_timestamp'] as const;

const sensorColumns = {
  /** When the record became visible (== timestamp unless it arrived late); non-decreasing along the ring. */
  arrival: Float64Array,
  ts: Float64Array,
  sensor: Uint32Array,
  version: Uint32Array,
  /** Hundredths of °C. */
  temp: Int32Array,
  /** Tenths of %. */
  hum: Uint16Array,
  /** Hundredths of hPa. */
  pres: Int32Array,
  battery: Uint8Array,
  /** 0 ok, 1 warn. */
  status: Uint8Array,
};

type SensorRing = ColumnRing<typeof sensorColumns>;

/** Moves `value` by `step`, flipping the step when it would push further than `band` from `base`. */
function walk(value: number, step: number, base: number, band: number): number {
  const deviation = value - base;
  if ((deviation > band && step > 0) || (deviation < -band && step < 0)) return value - step;
  return value + step;
}

/**
 * IoT sensors updating at a fixed rate, generated lazily up to the clock's `now` and kept in a bounded
 * ring of recent changes (no history is regenerated per request).
 *
 * Schedule: sensor i updates at `startMs + round(k * 1000 / hz) + phase(i)` for k = 0, 1, …, with version
 * k + 1. Phases are fixed per sensor, spread over the period's milliseconds (distinct while there are
 * no more sensors than milliseconds in a period), so updates are generated in (timestamp, id) order by
 * walking the sensors sorted by phase — O(1) per record, deterministic by seed however it is chunked.
 */
export class SensorFeed {
  private readonly n: number;
  private readonly ids: string[];
  /** Sensor indices sorted by (phase, index), and the phase of each position. */
  private readonly order: Uint32Array;
  private readonly phaseAt: Uint32Array;
  private readonly temp: Int32Array;
  private readonly tempBase: Int32Array;
  private readonly hum: Int32Array;
  private readonly humBase: Int32Array;
  private readonly pres: Int32Array;
  private readonly presBase: Int32Array;
  private readonly batteryStart: Uint8Array;
  private readonly drainMs: Float64Array;
  private readonly rng: Rng;
  private readonly ring: SensorRing;
  /** Late records generated but not yet visible, in generation order. */
  private readonly pending: SensorRing;
  private readonly faults: RecordFaults;

  private period = 0;
  private position = 0;
  private periodStart: number;
  private generatedTo: number;
  private generated = 0;

  constructor(
    private readonly config: SensorFeedConfig,
    private readonly clock: Clock,
    faults: () => FaultConfig = () => NO_FAULTS,
  ) {
    const { sensors, hz, seed } = config;
    if (!Number.isInteger(sensors) || sensors < 1) throw new RangeError(`sensors must be a positive integer, got ${sensors}`);
    if (!(hz > 0 && hz <= 1000)) throw new RangeError(`hz must be in (0, 1000], got ${hz}`);
    this.n = sensors;
    this.ids = Array.from({ length: sensors }, (_, i) => sensorId(i, sensors));
    this.ring = new ColumnRing(sensorColumns, config.maxRecords);
    this.pending = new ColumnRing(sensorColumns, config.maxRecords, 256);
    this.faults = new RecordFaults(hashSeed(`${seed}/sensor-faults`), faults);

    const setup = new Rng(hashSeed(`${seed}/sensors/setup`));
    // Spread the phases over the period: shuffled position j gets floor(j * slots / n).
    const slots = Math.max(1, Math.floor(1000 / hz));
    const shuffled = Array.from({ length: sensors }, (_, i) => i);
    for (let i = sensors - 1; i > 0; i--) {
      const j = setup.int(i + 1);
      const swap = shuffled[i] as number;
      shuffled[i] = shuffled[j] as number;
      shuffled[j] = swap;
    }
    const phase = new Uint32Array(sensors);
    shuffled.forEach((sensor, j) => (phase[sensor] = Math.floor((j * slots) / sensors)));
    const order = Array.from({ length: sensors }, (_, i) => i).sort((a, b) => (phase[a] as number) - (phase[b] as number) || a - b);
    this.order = Uint32Array.from(order);
    this.phaseAt = Uint32Array.from(order, (sensor) => phase[sensor] as number);

    this.temp = new Int32Array(sensors);
    this.tempBase = new Int32Array(sensors);
    this.hum = new Int32Array(sensors);
    this.humBase = new Int32Array(sensors);
    this.pres = new Int32Array(sensors);
    this.presBase = new Int32Array(sensors);
    this.batteryStart = new Uint8Array(sensors);
    this.drainMs = new Float64Array(sensors);
    for (let i = 0; i < sensors; i++) {
      this.temp[i] = this.tempBase[i] = 1800 + setup.int(800);
      this.hum[i] = this.humBase[i] = 300 + setup.int(300);
      this.pres[i] = this.presBase[i] = 100_000 + setup.int(2600);
      this.batteryStart[i] = 60 + setup.int(41);
      this.drainMs[i] = Math.round((2 + setup.float() * 4) * 60_000);
    }

    this.rng = new Rng(hashSeed(`${seed}/sensors/walk`));
    this.periodStart = config.startMs;
    this.generatedTo = config.startMs - 1;
  }

  /** Generates every update up to `now` (simulated ms), releases late records due by then, and evicts. */
  advanceTo(now: number): void {
    if (now <= this.generatedTo) return;
    const keepFrom = now - this.config.retentionMs;
    const { n, order, phaseAt } = this;
    const periodMs = 1000 / this.config.hz;
    for (;;) {
      const t = this.periodStart + (phaseAt[this.position] as number);
      if (t > now) break;
      if (this.pending.size > 0) this.release(t);
      this.emit(order[this.position] as number, this.period + 1, t, keepFrom);
      if (++this.position === n) {
        this.position = 0;
        this.period++;
        this.periodStart = this.config.startMs + Math.round(this.period * periodMs);
      }
    }
    if (this.pending.size > 0) this.release(now);
    this.generatedTo = now;
    this.evict(keepFrom);
  }

  /**
   * Records that became visible after `sinceMs` (exclusive), in arrival order — (timestamp, id) order
   * unless the late or duplicate fault is on — at most `limit`, never ending a page inside a group of
   * records that share one millisecond (so walking with `next_since` neither skips nor repeats). Only
   * when the first such group alone holds more than `limit` records is the page longer: the whole group.
   */
  changes(query: SensorQuery): SensorPage {
    const now = this.clock();
    this.advanceTo(now);
    const { ring } = this;
    const arrival = ring.cols.arrival;
    const at = (seq: number) => arrival[ring.index(seq)] as number;
    const first = ring.firstSeq;
    const end = ring.endSeq;
    const { sinceMs, limit } = query;
    const start = sinceMs === undefined ? first : firstAbove(first, end, sinceMs, at);

    const duplicates = this.faults.duplicates();
    const { items, stop } = planPage({
      start,
      end,
      first,
      limit,
      arrival: at,
      keepGroups: true,
      duplicates: duplicates && { afterMs: duplicates.afterMs, pick: (seq) => this.faults.duplicate(ring.cols.sensor[ring.index(seq)] as number, ring.cols.version[ring.index(seq)] as number) },
    });
    const records = items.map((seq) => this.record(seq));
    const nextSince = stop > start ? at(stop - 1) : (sinceMs ?? now);
    return { records, next_since: isoOf(nextSince), has_more: stop < end };
  }

  stats(): FeedStats {
    return feedStats(this.ring, this.pending.size, this.generated, Math.max(this.generatedTo, this.config.startMs));
  }

  private emit(sensor: number, version: number, t: number, keepFrom: number): void {
    const { rng } = this;
    this.generated++;
    const temp = walk(this.temp[sensor] as number, rng.int(41) - 20, this.tempBase[sensor] as number, 400);
    let hum = walk(this.hum[sensor] as number, rng.int(11) - 5, this.humBase[sensor] as number, 150);
    hum = hum < 0 ? 0 : hum > 1000 ? 1000 : hum;
    const pres = walk(this.pres[sensor] as number, rng.int(61) - 30, this.presBase[sensor] as number, 1500);
    const warn = rng.float() < WARN_RATE ? 1 : 0;
    this.temp[sensor] = temp;
    this.hum[sensor] = hum;
    this.pres[sensor] = pres;

    const lateBy = this.faults.lateBy(sensor, version);
    if (t + lateBy < keepFrom) return; // would be evicted at once: only the walk above matters
    // Drops one point every drainMs; an empty battery is replaced by a full one (the level cycles 100 → 1).
    const drops = Math.floor((t - this.config.startMs) / (this.drainMs[sensor] as number));
    const battery = 100 - ((100 - (this.batteryStart[sensor] as number) + drops) % 100);

    const target = lateBy > 0 ? this.pending : this.ring;
    const x = target.push();
    const c = target.cols;
    c.arrival[x] = t + lateBy;
    c.ts[x] = t;
    c.sensor[x] = sensor;
    c.version[x] = version;
    c.temp[x] = temp;
    c.hum[x] = hum;
    c.pres[x] = pres;
    c.battery[x] = battery;
    c.status[x] = warn;
  }

  /** Moves late records due by `bound` into the visible ring (arrival kept non-decreasing). */
  private release(bound: number): void {
    releaseDue(this.pending, this.ring, bound);
  }

  private evict(keepFrom: number): void {
    const { ring } = this;
    const arrival = ring.cols.arrival;
    let first = ring.firstSeq;
    while (first < ring.endSeq && (arrival[ring.index(first)] as number) < keepFrom) first++;
    ring.dropBefore(first);
  }

  private record(seq: number): SensorRecord | Record<string, unknown> {
    const c = this.ring.cols;
    const x = this.ring.index(seq);
    const sensor = c.sensor[x] as number;
    const version = c.version[x] as number;
    const record: SensorRecord = {
      id: this.ids[sensor] as string,
      version,
      timestamp: isoOf(c.ts[x] as number),
      temperature: (c.temp[x] as number) / 100,
      humidity: (c.hum[x] as number) / 10,
      pressure: (c.pres[x] as number) / 100,
      battery: c.battery[x] as number,
      status: c.status[x] === 1 ? 'warn' : 'ok',
    };
    const bad = this.faults.bad(sensor, version, SENSOR_BAD_KINDS);
    return bad === undefined ? record : breakSensorRecord(record, bad, sensor, c.ts[x] as number);
  }
}

function breakSensorRecord(record: SensorRecord, kind: (typeof SENSOR_BAD_KINDS)[number], sensor: number, ts: number): Record<string, unknown> {
  const { id, version, ...rest } = record;
  switch (kind) {
    case 'missing_id':
      return { version, ...rest };
    case 'missing_version':
      return { id, ...rest };
    case 'wrong_type_id':
      return { id: { sensor: sensor + 1 }, version, ...rest };
    case 'wrong_type_version':
      return { id, version: true, ...rest };
    case 'wrong_type_timestamp':
      return { id, version, ...rest, timestamp: ts };
  }
}
