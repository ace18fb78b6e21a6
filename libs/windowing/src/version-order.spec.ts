import fc from 'fast-check';
import { compareVersions } from './version-order';

const sign = (n: number) => Math.sign(n);

describe('compareVersions', () => {
  it('compares non-negative integers numerically, not as text', () => {
    expect(sign(compareVersions('10', '9'))).toBe(1);
    expect(sign(compareVersions('9', '10'))).toBe(-1);
    expect(compareVersions('007', '7')).toBe(0);
    expect(sign(compareVersions('0', '00'))).toBe(0);
  });

  it('compares integers beyond Number precision exactly', () => {
    expect(sign(compareVersions('18446744073709551617', '18446744073709551616'))).toBe(1);
    expect(sign(compareVersions('9007199254740993', '9007199254740992'))).toBe(1);
  });

  it('falls back to text order when either side is not a non-negative integer', () => {
    expect(sign(compareVersions('b', 'a'))).toBe(1);
    expect(sign(compareVersions('10', 'a'))).toBe(-1);
    // "-5" is not a non-negative integer: text order ("-" sorts before digits).
    expect(sign(compareVersions('-5', '3'))).toBe(-1);
    expect(sign(compareVersions('1.5', '1.10'))).toBe(1);
  });

  it('agrees with BigInt order on digit strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,30}$/), fc.stringMatching(/^\d{1,30}$/), (a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        expect(sign(compareVersions(a, b))).toBe(x > y ? 1 : x < y ? -1 : 0);
      }),
    );
  });

  it('is antisymmetric for any strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(sign(compareVersions(a, b)) + sign(compareVersions(b, a))).toBe(0);
      }),
    );
  });
});
