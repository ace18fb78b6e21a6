import { manualClock } from './clock';
import { DemoWorld } from './demo';
import { NO_FAULTS } from './faults';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('DemoWorld', () => {
  it('runs both feeds on one clock and switches record faults live', () => {
    const clock = manualClock(START);
    const world = new DemoWorld({
      seed: 'w',
      startMs: START,
      sensors: { count: 10, hz: 2 },
      trades: { symbols: ['BTC-USD'], perSecond: 10 },
      retention: { ms: 60_000, maxRecords: 10_000 },
      clock,
    });
    clock.advance(10_000);
    const stats = world.stats();
    expect(stats.now).toBe('2026-01-01T00:00:10.000Z');
    // 20 full periods of 10 sensors, plus the sensor whose phase is 0 at exactly now.
    expect(stats.sensors.generated).toBe(201);
    expect(stats.trades.generated).toBeGreaterThan(0);

    const before = world.sensors.changes({ sinceMs: undefined, limit: 10_000 }).records;
    world.faults.set({ ...NO_FAULTS, badRecordRate: 1 });
    const broken = world.sensors.changes({ sinceMs: undefined, limit: 10_000 }).records;
    expect(broken).toHaveLength(before.length);
    expect(broken).not.toEqual(before);
    world.faults.set(NO_FAULTS);
    expect(world.sensors.changes({ sinceMs: undefined, limit: 10_000 }).records).toEqual(before);
  });
});
