import fc from 'fast-check';
import { jwtExpiryMs, refreshDelayMs } from './jwt';

const base64url = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (payload: unknown) => `${base64url('{"alg":"HS256"}')}.${base64url(JSON.stringify(payload))}.signature`;

describe('jwtExpiryMs', () => {
  it('reads exp (seconds) from any payload, unverified', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e9 }), fc.dictionary(fc.string(), fc.string()), (exp, claims) => {
      expect(jwtExpiryMs(jwt({ ...claims, exp }))).toBe(exp * 1000);
    }));
  });

  it('is undefined for opaque tokens, missing or non-numeric exp, and garbage', () => {
    for (const token of ['opaque-api-token', jwt({ sub: 'x' }), jwt({ exp: '123' }), 'a.!!!.c', 'a..c', jwt([1])]) expect(jwtExpiryMs(token)).toBeUndefined();
  });
});

describe('refreshDelayMs', () => {
  it('refreshes lead ms before expiry, at half-life for short tokens, never sooner than the minimum', () => {
    const now = 1_000_000;
    expect(refreshDelayMs(now + 3_600_000, now, 30_000)).toBe(3_570_000);
    expect(refreshDelayMs(now + 40_000, now, 30_000)).toBe(20_000);
    expect(refreshDelayMs(now - 5_000, now, 30_000)).toBe(1_000);
    fc.assert(fc.property(fc.integer({ min: -1e6, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), (remaining, lead) => {
      const delay = refreshDelayMs(now + remaining, now, lead);
      expect(delay).toBeGreaterThanOrEqual(1_000);
      if (remaining > 2_000) expect(delay).toBeLessThanOrEqual(remaining - Math.min(lead, remaining / 2));
    }));
  });
});
