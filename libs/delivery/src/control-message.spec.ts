import { Codec } from '@deltastream/contracts';
import fc from 'fast-check';
import { CloseCode } from './close-codes';
import { checkMessageSize, parseControlMessage, type ControlMessage } from './control-message';
import { startFor, type Subscription } from './subscription';

function subscriptionOf(text: string): Subscription {
  const result = parseControlMessage(text);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  if (result.message.type !== 'subscribe') throw new Error(`not a subscribe: ${result.message.type}`);
  return result.message.subscription;
}

function reasonOf(value: unknown): string {
  const result = parseControlMessage(JSON.stringify(value));
  if (result.ok) throw new Error('accepted');
  expect(result.code).toBe(CloseCode.BadRequest);
  return result.reason;
}

describe('parseControlMessage', () => {
  it('reads a full subscribe message', () => {
    const subscription = subscriptionOf(
      JSON.stringify({
        type: 'subscribe',
        id: 'sub-1',
        streams: ['sensors', 'trades.eu', 'sensors'],
        from: { seq: 41 },
        entities: ['a', 'b', 'a'],
        fields: ['temp'],
        codecs: ['zstd', 'gzip', 'deflate-future'],
        policy: 'drop-oldest',
        snapshot: true,
      }),
    );
    expect(subscription).toEqual({
      id: 'sub-1',
      streams: ['sensors', 'trades.eu'],
      from: { kind: 'seq', afterSeq: 41 },
      resumeAfterSeq: new Map(),
      entities: ['a', 'b'],
      fields: ['temp'],
      // Unknown codec names are skipped, as Accept-Encoding does.
      codecs: [Codec.ZSTD, Codec.GZIP],
      policy: 'drop-oldest',
      snapshot: true,
    });
  });

  it('fills in defaults: from latest, coalesce, no snapshot, everything', () => {
    expect(subscriptionOf('{"type":"subscribe","streams":["sensors"]}')).toEqual({
      streams: ['sensors'],
      from: { kind: 'latest' },
      resumeAfterSeq: new Map(),
      entities: [],
      fields: [],
      codecs: [],
      policy: 'coalesce',
      snapshot: false,
    });
  });

  it('reads every form of from', () => {
    const fromOf = (from: unknown) => subscriptionOf(JSON.stringify({ type: 'subscribe', streams: ['s'], from })).from;
    expect(fromOf('latest')).toEqual({ kind: 'latest' });
    expect(fromOf('earliest')).toEqual({ kind: 'earliest' });
    expect(fromOf({ seq: 0 })).toEqual({ kind: 'seq', afterSeq: 0 });
    expect(fromOf({ time: '2026-01-01T00:00:01.500Z' })).toEqual({ kind: 'time', timeMs: Date.UTC(2026, 0, 1, 0, 0, 1, 500) });
    expect(fromOf({ time: '2026-01-01T02:00:00+02:00' })).toEqual({ kind: 'time', timeMs: Date.UTC(2026, 0, 1) });
    expect(fromOf({ time: 1767225600000 })).toEqual({ kind: 'time', timeMs: 1767225600000 });
  });

  it('reads per-stream resume points, which override from', () => {
    const subscription = subscriptionOf('{"type":"subscribe","streams":["a","b"],"from":"latest","resume":{"a":7}}');
    expect(startFor(subscription, 'a')).toEqual({ kind: 'seq', afterSeq: 7 });
    expect(startFor(subscription, 'b')).toEqual({ kind: 'latest' });
    expect(reasonOf({ type: 'subscribe', streams: ['a'], resume: { b: 1 } })).toBe('resume.b: resume names "b", which is not in streams');
  });

  it('reads unsubscribe and ping', () => {
    const messages: ControlMessage[] = [];
    for (const text of ['{"type":"unsubscribe","streams":["a","a","b"]}', '{"type":"ping"}', '{"type":"ping","id":"p1"}']) {
      const result = parseControlMessage(text);
      if (!result.ok) throw new Error(result.reason);
      messages.push(result.message);
    }
    expect(messages).toEqual([{ type: 'unsubscribe', streams: ['a', 'b'] }, { type: 'ping' }, { type: 'ping', id: 'p1' }]);
  });

  it('reads auth (token refresh), checking only the token shape', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
    expect(parseControlMessage(JSON.stringify({ type: 'auth', token }))).toEqual({ ok: true, message: { type: 'auth', token } });
    expect(parseControlMessage(JSON.stringify({ type: 'auth', id: 'r1', token }))).toEqual({ ok: true, message: { type: 'auth', id: 'r1', token } });
    expect(reasonOf({ type: 'auth' })).toContain('token');
    expect(reasonOf({ type: 'auth', token: 'not a jwt' })).toBe('token: token must be a compact JWT (header.payload.signature)');
    expect(reasonOf({ type: 'auth', token: `${'a'.repeat(8200)}.b.c` })).toBe('token: token is at most 8192 characters');
    expect(reasonOf({ type: 'auth', token, streams: ['a'] })).toBe('Unrecognized key: "streams"');
  });

  it('explains what is wrong, naming where', () => {
    expect(reasonOf({ type: 'subscribe', streams: ['Sensors'] })).toBe('streams.0: stream names are 1–63 of a-z 0-9 . _ - and start with a letter or digit');
    expect(reasonOf({ type: 'subscribe', streams: [] })).toBe('streams: name at least one stream');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], fileds: ['x'] })).toBe('Unrecognized key: "fileds"');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: 'yesterday' })).toContain('from');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: { seq: -1 } })).toBe('from.seq: a seq is 0 or more');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: { seq: 1.5 } })).toBe('from.seq: a seq is a whole number up to 2^53 - 1');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: { seq: 2 ** 53 } })).toBe('from.seq: a seq is a whole number up to 2^53 - 1');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: { time: '2026-02-30T00:00:00Z' } })).toContain('ISO-8601');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], from: { time: '2026-01-01T00:00:00' } })).toContain('ISO-8601');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], policy: 'block' })).toBe('policy: policy must be one of coalesce, drop-oldest, disconnect');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], fields: ['__proto__'] })).toBe('fields.0: field name "__proto__" is not allowed');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], snapshot: 'yes' })).toBe('snapshot: snapshot must be true or false');
    expect(reasonOf({ type: 'hello' })).toBe('type: type must be "subscribe", "unsubscribe", "ping" or "auth"');
    expect(reasonOf([1])).toBe('control messages are JSON objects');
    expect(parseControlMessage('{"type":')).toEqual({ ok: false, code: CloseCode.BadRequest, reason: 'control messages are JSON objects' });
  });

  it('enforces the count limits', () => {
    const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    expect(subscriptionOf(JSON.stringify({ type: 'subscribe', streams: names(100, 's') })).streams).toHaveLength(100);
    expect(reasonOf({ type: 'subscribe', streams: names(101, 's') })).toBe('streams: at most 100 streams per message');
    expect(subscriptionOf(JSON.stringify({ type: 'subscribe', streams: ['s'], entities: names(1000, 'e') })).entities).toHaveLength(1000);
    expect(reasonOf({ type: 'subscribe', streams: ['s'], entities: names(1001, 'e') })).toBe('entities: at most 1000 entities');
    expect(reasonOf({ type: 'subscribe', streams: ['s'], fields: names(201, 'f') })).toBe('fields: at most 200 fields');
    expect(reasonOf({ type: 'unsubscribe', streams: names(101, 's') })).toBe('streams: at most 100 streams per message');
    expect(reasonOf({ type: 'subscribe', streams: ['x'.repeat(64)] })).toContain('streams.0');
    expect(subscriptionOf(JSON.stringify({ type: 'subscribe', streams: ['x'.repeat(63)] })).streams).toEqual(['x'.repeat(63)]);
  });

  it('refuses messages over 64 KiB with 1009, counting UTF-8 bytes', () => {
    const padded = (filler: string) => `{"type":"ping","id":"${filler}"}`;
    expect(checkMessageSize('x'.repeat(65_536))).toBeUndefined();
    expect(checkMessageSize('x'.repeat(65_537))).toEqual({ ok: false, code: CloseCode.MessageTooBig, reason: 'control messages are at most 65536 bytes' });
    // 30 000 three-byte characters: few UTF-16 units, 90 000 bytes.
    expect(parseControlMessage(padded('€'.repeat(30_000)))).toMatchObject({ ok: false, code: CloseCode.MessageTooBig });
    expect(parseControlMessage(' '.repeat(70_000))).toMatchObject({ ok: false, code: CloseCode.MessageTooBig });
  });

  describe('never throws (fuzz)', () => {
    const expectVerdict = (text: string) => {
      const result = parseControlMessage(text);
      if (result.ok) expect(['subscribe', 'unsubscribe', 'ping', 'auth']).toContain(result.message.type);
      else {
        expect([CloseCode.BadRequest, CloseCode.MessageTooBig]).toContain(result.code);
        expect(result.reason.length).toBeGreaterThan(0);
      }
    };

    it('on arbitrary strings', () => {
      fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), expectVerdict), { numRuns: 300 });
    });

    it('on arbitrary JSON', () => {
      fc.assert(fc.property(fc.json(), expectVerdict), { numRuns: 300 });
    });

    it('on messages shaped almost like subscribe requests', () => {
      const anything = fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.constant(undefined));
      const almostSubscribe = fc.record(
        {
          type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping'), fc.string()),
          streams: fc.oneof(fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,5}$/), { maxLength: 4 }), anything),
          from: fc.oneof(fc.constantFrom('latest', 'earliest'), fc.record({ seq: fc.oneof(fc.integer(), fc.double()) }), fc.record({ time: fc.oneof(fc.string(), fc.integer(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())) }), anything),
          resume: fc.oneof(fc.dictionary(fc.string(), fc.integer()), anything),
          entities: fc.oneof(fc.array(fc.string()), anything),
          fields: fc.oneof(fc.array(fc.constantFrom('a', '__proto__', 'constructor', '')), anything),
          codecs: fc.oneof(fc.array(fc.constantFrom('zstd', 'gzip', 'ZSTD', 'x')), anything),
          policy: fc.oneof(fc.constantFrom('coalesce', 'drop-oldest', 'disconnect'), anything),
          snapshot: fc.oneof(fc.boolean(), anything),
          id: fc.oneof(fc.string(), anything),
        },
        { requiredKeys: [] },
      );
      fc.assert(fc.property(almostSubscribe, (message) => expectVerdict(JSON.stringify(message))), { numRuns: 500 });
    });
  });
});
