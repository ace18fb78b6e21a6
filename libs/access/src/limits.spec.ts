import fc from 'fast-check';
import { clientIp, grpcPeerAddress, parseRate, WindowCounter } from './limits';

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
    // IPv6 clients are counted per /64 (a client picks any address of its /64).
    expect(clientIp('2001:db8:1:2:aaaa::1', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('2001:0db8:0001:0002:ffff:ffff:ffff:ffff', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('2001:db8::7', undefined, 0)).toBe('2001:db8:0:0::/64');
    expect(clientIp('10.0.0.7', '2001:db8:1:2::9', 1)).toBe('2001:db8:1:2::/64');
    expect(clientIp(undefined, undefined, 0)).toBe('unknown');
  });
});

describe('grpcPeerAddress', () => {
  it('reads every peer form grpc-js produces, and nothing else', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1:50422', '127.0.0.1'], // grpc-js 1.10+ (1.14 in this repository)
      ['ipv4:10.1.2.3:443', '10.1.2.3'],
      ['[::1]:50422', '::1'],
      ['::1:57372', '::1'], // grpc-js 1.14: IPv6 without brackets, port after the last colon
      ['2001:db8::7:443', '2001:db8::7'],
      ['ipv6:[2001:db8::7]:443', '2001:db8::7'],
      ['[::ffff:192.0.2.1]:1', '192.0.2.1'],
      ['2001:db8::7', '2001:db8::7'],
      ['unix:/run/edge.sock', 'unix'],
      ['unix-abstract:edge', 'unix'],
      ['unknown', undefined],
      ['', undefined],
      ['999.1.1.1:80', undefined],
      ['example.org:443', undefined],
      ['[not-an-ip]:1', undefined],
    ];
    for (const [peer, address] of cases) expect([peer, grpcPeerAddress(peer)]).toEqual([peer, address]);
  });

  it('gives each IPv4 client its own address (property), so one client cannot exhaust another one\'s limits', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(grpcPeerAddress(`${ip}:${port}`)).toBe(ip);
        expect(grpcPeerAddress(`ipv4:${ip}:${port}`)).toBe(ip);
      }),
    );
  });
});
