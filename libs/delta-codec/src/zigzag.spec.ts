import fc from 'fast-check';
import { unzigzag, zigzag } from './zigzag';

describe('zigzag', () => {
  it('interleaves signs so small magnitudes stay small', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    expect(Object.is(zigzag(-0), 0)).toBe(true);
  });

  it('round-trips every integer up to ±2^52 exactly', () => {
    const bound = 2 ** 52;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer(),
          fc.constantFrom(bound, -bound, bound - 1, -bound + 1),
          fc.double({ min: -bound, max: bound, noNaN: true }).map(Math.trunc),
        ),
        (value) => {
          const encoded = zigzag(value);
          expect(encoded).toBeGreaterThanOrEqual(0);
          expect(unzigzag(encoded)).toBe(value + 0);
        },
      ),
    );
  });
});
