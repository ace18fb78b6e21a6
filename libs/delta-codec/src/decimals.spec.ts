import fc from 'fast-check';
import { MAX_INT_MAGNITUDE } from './limits';
import { decimalScale, powerOfTen, scaledInteger } from './decimals';

describe('decimal detection', () => {
  it.each([
    [87, 0],
    [21.37, 2],
    [45.2, 1],
    [1013.25, 2],
    [0.0125, 4],
    [64123.5, 1],
    [-3.001, 3],
    [1_767_225_605_123, 0],
    [0.000000001, 9],
  ])('%p has scale %p', (value, scale) => {
    expect(decimalScale(value)).toBe(scale);
    expect(scaledInteger(value, scale)).toBe(Math.round(value * 10 ** scale));
  });

  const notDecimal = [-0, 0.1 + 0.2, 1e300, 5e-324, Number.MAX_SAFE_INTEGER, MAX_INT_MAGNITUDE * 2, 1 / 3, NaN, Infinity];
  it.each(notDecimal.map((value) => [value]))('%p is left to float64', (value) => {
    expect(decimalScale(value)).toBe(-1);
  });

  it('only ever accepts a scaled integer that divides back to the identical double', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1000)), (value) => {
        const scale = decimalScale(value);
        if (scale < 0) return;
        const scaled = scaledInteger(value, scale);
        expect(scaled).toBeDefined();
        expect(Math.abs(scaled ?? Infinity)).toBeLessThanOrEqual(MAX_INT_MAGNITUDE);
        expect(Object.is((scaled ?? NaN) / powerOfTen(scale), value)).toBe(true);
      }),
    );
  });
});
