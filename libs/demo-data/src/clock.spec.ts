import { isoOf, manualClock, simulatedClock } from './clock';

describe('simulatedClock', () => {
  it('starts at startMs and runs `speed` times as fast as the real clock', () => {
    let real = 1_000;
    const clock = simulatedClock({ startMs: Date.parse('2026-01-01T00:00:00Z'), speed: 60, real: () => real });
    expect(isoOf(clock())).toBe('2026-01-01T00:00:00.000Z');
    real += 1_000;
    expect(isoOf(clock())).toBe('2026-01-01T00:01:00.000Z');
    real += 0.5;
    expect(isoOf(clock())).toBe('2026-01-01T00:01:00.030Z');
  });

  it('never goes backwards when the real clock does', () => {
    let real = 5_000;
    const clock = simulatedClock({ startMs: 0, speed: 1, real: () => real });
    real = 6_000;
    expect(clock()).toBe(1_000);
    real = 5_500;
    expect(clock()).toBe(1_000);
  });

  it('changes speed without a jump: simulated time continues from where it was', () => {
    let real = 0;
    const clock = simulatedClock({ startMs: 0, speed: 10, real: () => real });
    real = 100;
    expect(clock()).toBe(1_000);
    clock.setSpeed(100);
    expect(clock.speed).toBe(100);
    expect(clock()).toBe(1_000);
    real = 110;
    expect(clock()).toBe(2_000);
    clock.setSpeed(1);
    real = 1_110;
    expect(clock()).toBe(3_000);
    expect(() => clock.setSpeed(0)).toThrow(RangeError);
    expect(() => clock.setSpeed(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.speed).toBe(1);
  });

  it('refuses a non-positive speed', () => {
    expect(() => simulatedClock({ startMs: 0, speed: 0, real: () => 0 })).toThrow(RangeError);
  });
});

describe('manualClock', () => {
  it('moves only when told', () => {
    const clock = manualClock(10);
    clock.advance(5);
    expect(clock()).toBe(15);
    clock.set(3);
    expect(clock()).toBe(3);
  });
});
