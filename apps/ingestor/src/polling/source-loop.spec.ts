import { stalledBackoffMs } from './source-loop';

describe('stalledBackoffMs', () => {
  it('doubles from the poll interval up to the cap, and never overflows', () => {
    expect([1, 2, 3, 4, 5, 6].map((stalls) => stalledBackoffMs(1000, stalls, 30_000))).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(stalledBackoffMs(50, 10_000, 300_000)).toBe(300_000);
    expect(stalledBackoffMs(50, 0, 300_000)).toBe(50);
  });
});
