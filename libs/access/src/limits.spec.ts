import fc from 'fast-check';
import { clientIp, parseRate, WindowCounter } from './limits';

describe('rates', () => {
  it('parses <points>/<duration><unit>', () => {
    expect(parseRate('120/60s')).toEqual({ points: 120, durationMs: 60_000 });
    expect(parseRate(' 5 / 500ms ')).toEqual({ points: 5, durationMs: 500 });
    expect(parseRate('1000/1h')).toEqual({ points: 1000, durationMs: 3_600_000 });
    for (const bad of ['', '10', '10/s', '0/1s', '10/0s', '-1/1s', '1.5/1s', '10/1d']) expect(parseRate(bad)).toBeUndefined();
  });

  it('a window counter allows exactly `points` per window and says when to retry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 10_000 }), fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }), (points, durationMs, steps) => {
        const counter = new WindowCounter({ points, durationMs });
        let now = 0;
        let windowStart = -Infinity;
        let used = 0;
        for (const step of steps) {
          now += step;
          if (now - windowStart >= durationMs) {
            windowStart = now;
            used = 0;
          }
          const take = counter.take(now);
          if (used < points) {
            expect(take).toEqual({ ok: true });
            used++;
          } else {
            expect(take).toEqual({ ok: false, retryAfterMs: windowStart + durationMs - now });
          }
        }
      }),
    );
  });
});

describe('clientIp', () => {
  it('uses the socket address unless proxies are trusted', () => {
    expect(clientIp('::ffff:10.0.0.7', '1.1.1.1', 0)).toBe('10.0.0.7');
    expect(clientIp('10.0.0.7', '203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.7', 'spoofed, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.7', '203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.7', '203.0.113.9', 2)).toBe('10.0.0.7');
    expect(clientIp('10.0.0.7', 'not-an-ip', 1)).toBe('10.0.0.7');
    expect(clientIp('::1', undefined, 1)).toBe('::1');
    expect(clientIp(undefined, undefined, 0)).toBe('unknown');
  });
});
