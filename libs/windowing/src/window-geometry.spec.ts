import fc from 'fast-check';
import { WindowGeometry } from './window-geometry';

describe('WindowGeometry', () => {
  it('puts an event into exactly one tumbling window', () => {
    const tumbling = new WindowGeometry(5000, 5000);
    expect(tumbling.coveringStarts(0)).toEqual([0]);
    expect(tumbling.coveringStarts(4999)).toEqual([0]);
    expect(tumbling.coveringStarts(5000)).toEqual([5000]);
    expect(tumbling.coveringStarts(-1)).toEqual([-5000]);
  });

  it('puts an event into every hopping window covering it, oldest first', () => {
    const hopping = new WindowGeometry(10_000, 5000);
    expect(hopping.coveringStarts(7000)).toEqual([0, 5000]);
    expect(hopping.coveringStarts(10_000)).toEqual([5000, 10_000]);
    expect(new WindowGeometry(10, 3).coveringStarts(10)).toEqual([3, 6, 9]);
  });

  it('covering windows contain the time, and no other window does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: -10_000, max: 10_000 }), (a, b, timeMs) => {
        const geometry = new WindowGeometry(Math.max(a, b), Math.min(a, b));
        const starts = geometry.coveringStarts(timeMs);
        const expected: number[] = [];
        for (let start = Math.floor((timeMs - 200) / geometry.hopMs) * geometry.hopMs; start <= timeMs; start += geometry.hopMs) {
          if (start <= timeMs && timeMs < start + geometry.sizeMs) expected.push(start);
        }
        expect(starts).toEqual(expected);
      }),
    );
  });

  it('finds the oldest window still ending after a time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: -10_000, max: 10_000 }), (a, b, timeMs) => {
        const geometry = new WindowGeometry(Math.max(a, b), Math.min(a, b));
        const start = geometry.firstStartEndingAfter(timeMs);
        expect(start % geometry.hopMs === 0).toBe(true);
        expect(start + geometry.sizeMs).toBeGreaterThan(timeMs);
        expect(start - geometry.hopMs + geometry.sizeMs).toBeLessThanOrEqual(timeMs);
      }),
    );
  });
});
