import fc from 'fast-check';
import { parseControlMessage, parseSseQuery, startFor } from '@deltastream/delivery';
import { StreamPositions } from './positions';
import { checkSettings, checkStreams, normalizeStart, sseRequest, subscribeMessages, type SubscriptionSettings, type WireStart } from './subscription';

const streamName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
const start: fc.Arbitrary<WireStart> = fc.oneof(fc.constantFrom<WireStart>('latest', 'earliest'), fc.integer({ min: 0, max: 4e12 }).map((time) => ({ time })));
const settings: fc.Arbitrary<SubscriptionSettings> = fc.record({
  entities: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes(',')), { maxLength: 5 }),
  fields: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 5 }),
  policy: fc.constantFrom(undefined, 'coalesce' as const, 'drop-oldest' as const, 'disconnect' as const),
  snapshot: fc.boolean(),
  codecs: fc.subarray(['none', 'gzip', 'zstd', 'brotli'] as const),
});
const plan = fc
  .uniqueArray(fc.record({ stream: streamName, start, position: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }) }), { selector: (s) => s.stream, minLength: 1, maxLength: 250 })
  .map((streams) => ({ streams, positions: new StreamPositions(Object.fromEntries(streams.flatMap((s) => (s.position === undefined ? [] : [[s.stream, s.position]])))) }));

/** The edge's StartFrom a stream should get: after its position, else its own start. */
function wanted(stream: { start: WireStart; position: number | undefined }) {
  if (stream.position !== undefined) return { kind: 'seq', afterSeq: stream.position };
  return typeof stream.start === 'string' ? { kind: stream.start } : { kind: 'time', timeMs: stream.start.time };
}

describe('subscribe messages and the SSE request', () => {
  it('are accepted by the edge (libs/delivery) and resolve every stream to its position or its start', () => {
    fc.assert(
      fc.property(plan, settings, ({ streams, positions }, options) => {
        let id = 0;
        const messages = subscribeMessages(streams, positions, options, () => `s${++id}`);
        const seen = new Set<string>();
        for (const message of messages) {
          const parsed = parseControlMessage(JSON.stringify(message));
          if (!parsed.ok) throw new Error(`${parsed.code} ${parsed.reason}`);
          if (parsed.message.type !== 'subscribe') throw new Error('not a subscribe');
          const subscription = parsed.message.subscription;
          expect(subscription.streams.length).toBeLessThanOrEqual(100);
          expect([...subscription.entities]).toEqual([...options.entities]);
          expect([...subscription.fields]).toEqual([...options.fields]);
          expect(subscription.snapshot).toBe(options.snapshot);
          for (const stream of subscription.streams) {
            seen.add(stream);
            const planned = streams.find((s) => s.stream === stream);
            if (!planned) throw new Error(`unexpected stream ${stream}`);
            expect(startFor(subscription, stream)).toEqual(wanted(planned));
          }
        }
        expect([...seen].sort()).toEqual(streams.map((s) => s.stream).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('SSE: one request with every position in Last-Event-ID and the widest start for the rest', () => {
    fc.assert(
      fc.property(plan.filter(({ streams }) => streams.length <= 100), settings, ({ streams, positions }, options) => {
        const { query, lastEventId } = sseRequest(streams, positions, options);
        const parsed = parseSseQuery(query, lastEventId);
        if (!parsed.ok) throw new Error(`${parsed.code} ${parsed.reason}`);
        const subscription = parsed.subscription;
        expect([...subscription.streams]).toEqual(streams.map((s) => s.stream));
        const fresh = streams.filter((s) => s.position === undefined);
        for (const stream of streams) {
          const got = startFor(subscription, stream.stream);
          if (stream.position !== undefined) expect(got).toEqual({ kind: 'seq', afterSeq: stream.position });
          else if (fresh.some((s) => s.start === 'earliest')) expect(got).toEqual({ kind: 'earliest' });
          else if (stream.start !== 'latest') expect(got).toEqual({ kind: 'time', timeMs: Math.min(...fresh.flatMap((s) => (typeof s.start === 'object' ? [s.start.time] : []))) });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('validates options up front with the edge limits', () => {
    expect(() => checkStreams(['Sensors'])).toThrow('invalid stream name');
    const base: SubscriptionSettings = { entities: [], fields: [], policy: undefined, snapshot: false, codecs: [] };
    expect(() => checkSettings({ ...base, fields: ['__proto__'] })).toThrow('__proto__');
    expect(() => checkSettings({ ...base, entities: Array.from({ length: 1001 }, (_, i) => `e${i}`) })).toThrow('at most 1000 entities');
    expect(() => checkSettings({ ...base, policy: 'drop' as never })).toThrow('policy');
    expect(normalizeStart({ seq: 41 })).toEqual({ start: 'earliest', afterSeq: 41 });
    expect(normalizeStart({ time: '2026-01-01T00:00:00Z' })).toEqual({ start: { time: Date.parse('2026-01-01T00:00:00Z') } });
    expect(normalizeStart({ time: new Date(5) })).toEqual({ start: { time: 5 } });
    expect(() => normalizeStart({ seq: -1 })).toThrow(TypeError);
    expect(() => normalizeStart({ time: 'yesterday' })).toThrow(TypeError);
    expect(() => normalizeStart('soon' as never)).toThrow(TypeError);
  });
});
