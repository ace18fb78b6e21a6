import fc from 'fast-check';
import { chance, hashSeed, mix, Rng } from './random';

describe('seeded randomness', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => rng.uint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps floats in [0, 1) and ints in [0, n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 100; i++) {
          const f = rng.float();
          const k = rng.int(n);
          expect(f >= 0 && f < 1).toBe(true);
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
        }
      }),
    );
  });

  it('hashes seed texts stably and tells them apart', () => {
    expect(hashSeed('deltastream')).toBe(hashSeed('deltastream'));
    expect(hashSeed('deltastream')).not.toBe(hashSeed('deltastreaM'));
  });

  it('decides by (seed, salt, keys) alone, including keys above 2^32', () => {
    expect(chance(1, 2, 3, 4)).toBe(chance(1, 2, 3, 4));
    expect(mix(1, 2 ** 40)).not.toBe(mix(1, 2 ** 40 + 2 ** 32));
    const values = Array.from({ length: 10_000 }, (_, i) => chance(7, 1, i));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
  });
});
