import fc from 'fast-check';
import { manualClock } from './clock';
import { NO_FAULTS, type FaultConfig } from './faults';
import { SensorFeed, sensorId, type SensorFeedConfig, type SensorPage, type SensorRecord } from './sensors';

const START = Date.parse('2026-01-01T00:00:00Z');
const KEYS = ['id', 'version', 'timestamp', 'temperature', 'humidity', 'pressure', 'battery', 'status'];

function setup(over: Partial<SensorFeedConfig> = {}, faults: Partial<FaultConfig> = {}) {
  const clock = manualClock(START);
  const current: FaultConfig = { ...NO_FAULTS, ...faults };
  const config: SensorFeedConfig = { seed: 'test', startMs: START, sensors: 50, hz: 1, retentionMs: 3_600_000, maxRecords: 1_000_000, ...over };
  return { clock, feed: new SensorFeed(config, clock, () => current) };
}

/** Follows next_since until has_more is false; returns the records and the pages. */
function walk(feed: SensorFeed, limit: number, sinceMs?: number): { records: SensorRecord[]; pages: SensorPage[]; since: number | undefined } {
  const pages: SensorPage[] = [];
  let since = sinceMs;
  for (;;) {
    const page = feed.changes({ sinceMs: since, limit });
    pages.push(page);
    since = Date.parse(page.next_since);
    if (!page.has_more) break;
  }
  return { records: pages.flatMap((p) => p.records as SensorRecord[]), pages, since };
}

const key = (r: SensorRecord) => `${r.id}@${r.version}`;
const hundredths = (x: number) => Math.round(x * 100);

function isSensorRecord(r: unknown): r is SensorRecord {
  if (r === null || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  return (
    JSON.stringify(Object.keys(o)) === JSON.stringify(KEYS) &&
    typeof o['id'] === 'string' &&
    Number.isInteger(o['version']) &&
    typeof o['timestamp'] === 'string' &&
    ['temperature', 'humidity', 'pressure', 'battery'].every((k) => typeof o[k] === 'number') &&
    (o['status'] === 'ok' || o['status'] === 'warn')
  );
}

describe('SensorFeed', () => {
  it('generates nothing until asked, then every update up to now (inclusive) and nothing later', () => {
    const { clock, feed } = setup();
    clock.advance(5_000);
    expect(feed.stats().generated).toBe(0);
    const { records } = walk(feed, 10_000);
    // Five full periods of 50 sensors, plus the sensors whose phase is 0 (at exactly now).
    expect(records).toHaveLength(251);
    expect(records.every((r) => Date.parse(r.timestamp) <= clock())).toBe(true);
    expect(records.some((r) => Date.parse(r.timestamp) === clock())).toBe(true);
  });

  it('emits records of exactly the documented shape, key order and precision', () => {
    const { clock, feed } = setup({ sensors: 1200 });
    clock.advance(3_000);
    const { records } = walk(feed, 10_000);
    expect(records.length).toBeGreaterThan(3000);
    const problems = records.flatMap((r) => {
      const wrong: string[] = [];
      if (JSON.stringify(Object.keys(r)) !== JSON.stringify(KEYS)) wrong.push('key order');
      if (!/^sensor-\d{4}$/.test(r.id)) wrong.push('id');
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(r.timestamp)) wrong.push('timestamp');
      if (!/^-?\d+(\.\d{1,2})?$/.test(String(r.temperature))) wrong.push('temperature');
      if (!/^\d+(\.\d)?$/.test(String(r.humidity)) || r.humidity < 0 || r.humidity > 100) wrong.push('humidity');
      if (!/^\d+(\.\d{1,2})?$/.test(String(r.pressure))) wrong.push('pressure');
      if (!Number.isInteger(r.battery) || r.battery < 1 || r.battery > 100) wrong.push('battery');
      if (r.status !== 'ok' && r.status !== 'warn') wrong.push('status');
      return wrong.length > 0 ? [`${JSON.stringify(r)}: ${wrong.join(', ')}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('pads ids to three digits, more past 999 sensors', () => {
    expect(sensorId(6, 50)).toBe('sensor-007');
    expect(sensorId(6, 1000)).toBe('sensor-0007');
    expect(sensorId(999, 1000)).toBe('sensor-1000');
  });

  it('is deterministic by seed, however generation is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4_000 }), { minLength: 1, maxLength: 15 }), (steps) => {
        const total = steps.reduce((a, b) => a + b, 0);
        const a = setup({ sensors: 7, hz: 3 });
        a.clock.advance(total);
        const b = setup({ sensors: 7, hz: 3 });
        for (const step of steps) {
          b.clock.advance(step);
          b.feed.changes({ sinceMs: b.clock(), limit: 1 });
        }
        expect(walk(b.feed, 10_000).records).toEqual(walk(a.feed, 10_000).records);
      }),
      { numRuns: 30 },
    );
    const other = setup({ seed: 'other', sensors: 7, hz: 3 });
    const same = setup({ sensors: 7, hz: 3 });
    other.clock.advance(10_000);
    same.clock.advance(10_000);
    expect(walk(other.feed, 10_000).records).not.toEqual(walk(same.feed, 10_000).records);
  });

  it('keeps producing the same records for the default seed (pinned)', () => {
    const { clock, feed } = setup({ seed: 'deltastream' });
    clock.advance(1_000);
    expect(feed.changes({ sinceMs: undefined, limit: 2 }).records).toEqual([
      { id: 'sensor-045', version: 1, timestamp: '2026-01-01T00:00:00.000Z', temperature: 22.65, humidity: 44.8, pressure: 1017.75, battery: 80, status: 'ok' },
      { id: 'sensor-027', version: 1, timestamp: '2026-01-01T00:00:00.020Z', temperature: 21.26, humidity: 51.5, pressure: 1010.28, battery: 90, status: 'ok' },
    ]);
  });

  it('gives each sensor its own phase, versions +1 per update, and bounded random-walk steps', () => {
    const { clock, feed } = setup();
    clock.advance(30 * 60_000);
    const { records } = walk(feed, 10_000);
    const firstPeriod = records.filter((r) => r.version === 1);
    expect(firstPeriod).toHaveLength(50);
    expect(new Set(firstPeriod.map((r) => r.timestamp)).size).toBe(50);

    const bySensor = new Map<string, SensorRecord[]>();
    for (const r of records) {
      const history = bySensor.get(r.id) ?? [];
      history.push(r);
      bySensor.set(r.id, history);
    }
    expect(bySensor.size).toBe(50);
    const problems: string[] = [];
    for (const [id, history] of bySensor) {
      history.forEach((r, i) => r.version !== i + 1 && problems.push(`${id}: version ${r.version} at update ${i + 1}`));
      let drops = 0;
      for (let i = 1; i < history.length; i++) {
        const [prev, cur] = [history[i - 1] as SensorRecord, history[i] as SensorRecord];
        const at = `${id} v${cur.version}`;
        if (Date.parse(cur.timestamp) - Date.parse(prev.timestamp) !== 1000) problems.push(`${at}: not 1 s after the previous update`);
        if (Math.abs(hundredths(cur.temperature) - hundredths(prev.temperature)) > 20) problems.push(`${at}: temperature step > 0.20`);
        if (Math.abs(Math.round(cur.humidity * 10) - Math.round(prev.humidity * 10)) > 5) problems.push(`${at}: humidity step > 0.5`);
        if (Math.abs(hundredths(cur.pressure) - hundredths(prev.pressure)) > 30) problems.push(`${at}: pressure step > 0.30`);
        const delta = cur.battery - prev.battery;
        if (delta === -1) drops++;
        else if (!(delta === 0 || (prev.battery === 1 && cur.battery === 100))) problems.push(`${at}: battery jumped ${prev.battery} → ${cur.battery}`);
      }
      // One point every 2–6 minutes over 30 minutes.
      if (drops < 4 || drops > 15) problems.push(`${id}: battery dropped ${drops} times in 30 minutes`);
    }
    expect(problems).toEqual([]);
    const warn = records.filter((r) => r.status === 'warn').length / records.length;
    expect(warn).toBeGreaterThan(0.01);
    expect(warn).toBeLessThan(0.03);
  });

  it('pages since-exclusively by (timestamp, id), never skipping or repeating when walking with next_since', () => {
    fc.assert(
      fc.property(
        fc.record({
          sensors: fc.integer({ min: 1, max: 8 }),
          hz: fc.constantFrom(0.5, 1, 3, 10, 250, 1000),
          limit: fc.integer({ min: 1, max: 40 }),
          steps: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
          seed: fc.string({ maxLength: 8 }),
        }),
        ({ sensors, hz, limit, steps, seed }) => {
          const { clock, feed } = setup({ sensors, hz, seed });
          const seen: SensorRecord[] = [];
          const problems: string[] = [];
          let since: number | undefined;
          // A poller: time moves between some pages, so generation and paging interleave.
          const ticks = [...steps];
          for (;;) {
            const page = feed.changes({ sinceMs: since, limit });
            const records = page.records as SensorRecord[];
            if (records.length > limit && new Set(records.map((r) => r.timestamp)).size !== 1) problems.push(`page of ${records.length} > limit spans several timestamps`);
            const bound = since;
            if (bound !== undefined && records.some((r) => Date.parse(r.timestamp) <= bound)) problems.push(`a record at or before since ${bound}`);
            const last = records[records.length - 1];
            if (last && page.next_since !== last.timestamp) problems.push(`next_since ${page.next_since} is not the last timestamp ${last.timestamp}`);
            seen.push(...records);
            since = Date.parse(page.next_since);
            if (!page.has_more) {
              const tick = ticks.shift();
              if (tick === undefined) break;
              clock.advance(tick);
            }
          }
          for (let i = 1; i < seen.length; i++) {
            const [a, b] = [seen[i - 1] as SensorRecord, seen[i] as SensorRecord];
            const [t0, t1] = [Date.parse(a.timestamp), Date.parse(b.timestamp)];
            if (!(t0 < t1 || (t0 === t1 && a.id < b.id))) problems.push(`${key(a)} before ${key(b)}: not (timestamp, id) order`);
          }
          const versions = new Map<string, number>();
          for (const r of seen) {
            if (r.version !== (versions.get(r.id) ?? 0) + 1) problems.push(`${key(r)} after version ${versions.get(r.id) ?? 0}`);
            versions.set(r.id, r.version);
          }
          expect(problems).toEqual([]);
          expect(new Set(seen.map(key)).size).toBe(seen.length);
          expect(seen).toHaveLength(feed.stats().generated);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers an empty page with next_since echoing since (or now without one)', () => {
    const { clock, feed } = setup({ startMs: START + 1_000 });
    expect(feed.changes({ sinceMs: undefined, limit: 10 })).toEqual({ records: [], next_since: '2026-01-01T00:00:00.000Z', has_more: false });
    clock.advance(100);
    const future = START + 3_600_000;
    expect(feed.changes({ sinceMs: future, limit: 10 })).toEqual({ records: [], next_since: new Date(future).toISOString(), has_more: false });
  });

  it('keeps a bounded ring: old changes go after the retention time or past maxRecords', () => {
    const byTime = setup({ retentionMs: 10_000 });
    byTime.clock.advance(60_000);
    const page = byTime.feed.changes({ sinceMs: START, limit: 10_000 });
    // A since older than the retention reads from the oldest retained record.
    const oldest = Date.parse((page.records[0] as SensorRecord).timestamp);
    expect(oldest).toBeGreaterThanOrEqual(byTime.clock() - 10_000);
    expect(oldest).toBeLessThan(byTime.clock() - 9_000);
    expect(byTime.feed.stats()).toMatchObject({ generated: 3001, retained: page.records.length });

    const byCount = setup({ maxRecords: 500 });
    for (let i = 0; i < 60; i++) {
      byCount.clock.advance(1_000);
      byCount.feed.changes({ sinceMs: byCount.clock(), limit: 1 });
      expect(byCount.feed.stats().retained).toBeLessThanOrEqual(500);
    }
    const all = walk(byCount.feed, 10_000).records;
    expect(all).toHaveLength(500);
    expect((all[all.length - 1] as SensorRecord).timestamp).toBe(new Date(byCount.clock()).toISOString());
  });

  it('late fault: a fraction of records arrive later with an older timestamp, none lost', () => {
    const { clock, feed } = setup({}, { lateRate: 0.1, lateByMs: 3_000 });
    const seen: SensorRecord[] = [];
    let late = 0;
    let since: number | undefined;
    for (let i = 0; i < 120; i++) {
      clock.advance(500);
      const page = walk(feed, 200, since);
      for (const r of page.records) if (since !== undefined && Date.parse(r.timestamp) <= since) late++;
      seen.push(...page.records);
      since = page.since;
    }
    expect(late).toBeGreaterThan(0);
    const stats = feed.stats();
    expect(stats.pending).toBeGreaterThan(0);
    expect(new Set(seen.map(key)).size).toBe(seen.length);
    expect(seen).toHaveLength(stats.generated - stats.pending);
    expect(late / seen.length).toBeGreaterThan(0.05);
    expect(late / seen.length).toBeLessThan(0.15);
  });

  it('duplicate fault: a fraction of records is delivered once more, duplicateAfterMs later', () => {
    const { clock, feed } = setup({}, { duplicateRate: 0.3, duplicateAfterMs: 2_000 });
    const pages: SensorPage[] = [];
    let since: number | undefined;
    for (let i = 0; i < 120; i++) {
      clock.advance(500);
      const walked = walk(feed, 50, since);
      pages.push(...walked.pages);
      since = walked.since;
    }
    const records = pages.flatMap((p) => p.records as SensorRecord[]);
    const distinct = new Set(records.map(key));
    expect(distinct.size).toBe(feed.stats().generated);
    const repeats = records.length - distinct.size;
    expect(repeats / distinct.size).toBeGreaterThan(0.25);
    expect(repeats / distinct.size).toBeLessThan(0.35);
    const served = new Map<string, number>();
    let laterPage = 0;
    pages.forEach((page, index) => {
      expect(page.records.length).toBeLessThanOrEqual(50);
      (page.records as SensorRecord[]).forEach((r, i) => {
        const before = served.get(key(r));
        if (before !== undefined) {
          // Re-delivered with (just before) a record that arrived at least 2 s after it.
          const next = (page.records as SensorRecord[]).slice(i + 1).find((other) => !served.has(key(other))) as SensorRecord;
          expect(Date.parse(next.timestamp) - Date.parse(r.timestamp)).toBeGreaterThanOrEqual(2_000);
          if (before < index) laterPage++;
        }
        served.set(key(r), index);
      });
    });
    expect(laterPage).toBeGreaterThan(0);
  });

  it('bad-record fault: broken records (missing id/version, wrong types), the same ones for a seed', () => {
    const run = () => {
      const { clock, feed } = setup({}, { badRecordRate: 0.2 });
      clock.advance(60_000);
      return feed.changes({ sinceMs: undefined, limit: 10_000 }).records;
    };
    const records = run();
    expect(run()).toEqual(records);
    const bad = records.filter((r) => !isSensorRecord(r)) as Record<string, unknown>[];
    expect(bad.length / records.length).toBeGreaterThan(0.15);
    expect(bad.length / records.length).toBeLessThan(0.25);
    expect(bad.some((r) => !('id' in r))).toBe(true);
    expect(bad.some((r) => !('version' in r))).toBe(true);
    expect(bad.some((r) => typeof r['id'] === 'object')).toBe(true);
    expect(bad.some((r) => typeof r['version'] === 'boolean')).toBe(true);
    expect(bad.some((r) => typeof r['timestamp'] === 'number')).toBe(true);

    const { clock, feed } = setup();
    clock.advance(60_000);
    expect(feed.changes({ sinceMs: undefined, limit: 10_000 }).records.every(isSensorRecord)).toBe(true);
  });
});
