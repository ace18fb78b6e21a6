import { Codec } from '@deltastream/contracts';
import fc from 'fast-check';
import { CloseCode } from './close-codes';
import { formatSseEventId, parseLastEventId, parseSseQuery } from './sse-query';
import { startFor } from './subscription';
import type { SubscriptionResult } from './subscription-schema';

function subscription(result: SubscriptionResult) {
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result.subscription;
}

const query = (text: string) => new URLSearchParams(text);

describe('parseSseQuery', () => {
  it('reads comma-separated and repeated list parameters', () => {
    const parsed = subscription(parseSseQuery(query('streams=a,b&streams=c&entities=e1,e2&fields=temp&codecs=zstd,gzip&policy=disconnect&snapshot=true&token=secret')));
    expect(parsed).toEqual({
      streams: ['a', 'b', 'c'],
      from: { kind: 'latest' },
      resumeAfterSeq: new Map(),
      entities: ['e1', 'e2'],
      fields: ['temp'],
      codecs: [Codec.ZSTD, Codec.GZIP],
      policy: 'disconnect',
      snapshot: true,
    });
  });

  it('reads every form of from', () => {
    const fromOf = (from: string) => subscription(parseSseQuery(query(`streams=s&from=${encodeURIComponent(from)}`))).from;
    expect(fromOf('latest')).toEqual({ kind: 'latest' });
    expect(fromOf('earliest')).toEqual({ kind: 'earliest' });
    expect(fromOf('41')).toEqual({ kind: 'seq', afterSeq: 41 });
    expect(fromOf('seq:41')).toEqual({ kind: 'seq', afterSeq: 41 });
    expect(fromOf('time:1767225600000')).toEqual({ kind: 'time', timeMs: 1767225600000 });
    expect(fromOf('2026-01-01T00:00:00Z')).toEqual({ kind: 'time', timeMs: Date.UTC(2026, 0, 1) });
    expect(fromOf('time:2026-01-01T00:00:00.250Z')).toEqual({ kind: 'time', timeMs: Date.UTC(2026, 0, 1, 0, 0, 0, 250) });
  });

  it('resumes the stream named by Last-Event-ID after its seq', () => {
    const parsed = subscription(parseSseQuery(query('streams=a,b&from=earliest'), 'a:41'));
    expect(startFor(parsed, 'a')).toEqual({ kind: 'seq', afterSeq: 41 });
    expect(startFor(parsed, 'b')).toEqual({ kind: 'earliest' });
    const both = subscription(parseSseQuery(query('streams=a,b'), 'a:41,b:7'));
    expect([...both.resumeAfterSeq]).toEqual([['a', 41], ['b', 7]]);
    expect(subscription(parseSseQuery(query('streams=a'), '')).resumeAfterSeq.size).toBe(0);
    expect(subscription(parseSseQuery(query('streams=a'), null)).resumeAfterSeq.size).toBe(0);
  });

  it('refuses malformed values with a clear reason', () => {
    const refusal = (text: string, lastEventId?: string) => parseSseQuery(query(text), lastEventId);
    expect(refusal('')).toEqual({ ok: false, code: CloseCode.BadRequest, reason: 'streams: name at least one stream' });
    expect(refusal('streams=a&from=yesterday')).toMatchObject({ ok: false, reason: expect.stringContaining('from must be latest, earliest') });
    expect(refusal('streams=a&from=2026-13-01T00:00:00Z')).toMatchObject({ ok: false, reason: expect.stringContaining('ISO-8601') });
    expect(refusal('streams=a&snapshot=maybe')).toMatchObject({ ok: false, reason: 'snapshot must be true or false' });
    expect(refusal('streams=a&policy=block')).toMatchObject({ ok: false, reason: expect.stringContaining('policy must be one of') });
    expect(refusal('streams=a', 'a-41')).toMatchObject({ ok: false, reason: expect.stringContaining('Last-Event-ID must be "<stream>:<seq>"') });
    expect(refusal('streams=a', 'a:')).toMatchObject({ ok: false, code: CloseCode.BadRequest });
    expect(refusal('streams=a', 'a:-1')).toMatchObject({ ok: false, code: CloseCode.BadRequest });
    expect(refusal('streams=a', 'a:99999999999999999')).toMatchObject({ ok: false, code: CloseCode.BadRequest });
    expect(refusal('streams=a', 'a:1,a:2')).toMatchObject({ ok: false, reason: 'Last-Event-ID names "a" twice' });
    expect(refusal('streams=a', 'b:4')).toMatchObject({ ok: false, reason: 'Last-Event-ID names "b", which is not in streams' });
  });

  it('round-trips the event id it emits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (stream, seq) => {
        const parsed = parseLastEventId(formatSseEventId(stream, seq));
        expect(parsed).toEqual({ ok: true, positions: new Map([[stream, seq]]) });
      }),
    );
  });

  it('never throws on arbitrary query strings and headers (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.option(fc.string({ maxLength: 60 })), (text, header) => {
        const result = parseSseQuery(query(text), header);
        if (!result.ok) expect(result.code).toBe(CloseCode.BadRequest);
      }),
      { numRuns: 500 },
    );
  });
});
