import { create, toBinary } from '@bufbuild/protobuf';
import { Codec, SlowConsumerPolicy, StartPositionSchema, SubscribeRequestSchema } from '@deltastream/contracts';
import fc from 'fast-check';
import { CloseCode } from './close-codes';
import { fromSubscribeRequest, parseSubscribeRequestBytes } from './subscribe-request';

describe('fromSubscribeRequest', () => {
  it('maps every field onto the same Subscription as JSON', () => {
    const request = create(SubscribeRequestSchema, {
      streams: ['sensors', 'trades'],
      from: create(StartPositionSchema, { position: { case: 'afterSeq', value: 41n } }),
      entityIds: ['e1'],
      fields: ['temp'],
      acceptCodecs: [Codec.ZSTD, Codec.UNSPECIFIED, 99 as Codec, Codec.GZIP],
      slowConsumerPolicy: SlowConsumerPolicy.DROP_OLDEST,
      snapshot: true,
      resumeAfterSeq: { trades: 7n },
    });
    expect(fromSubscribeRequest(request)).toEqual({
      ok: true,
      subscription: {
        streams: ['sensors', 'trades'],
        from: { kind: 'seq', afterSeq: 41 },
        resumeAfterSeq: new Map([['trades', 7]]),
        entities: ['e1'],
        fields: ['temp'],
        codecs: [Codec.ZSTD, Codec.GZIP],
        policy: 'drop-oldest',
        snapshot: true,
      },
    });
  });

  it('reads each start position and defaults what proto3 leaves unset', () => {
    const fromOf = (position: Parameters<typeof create<typeof StartPositionSchema>>[1]) => {
      const result = fromSubscribeRequest(create(SubscribeRequestSchema, { streams: ['s'], from: create(StartPositionSchema, position) }));
      if (!result.ok) throw new Error(result.reason);
      return result.subscription;
    };
    expect(fromOf({ position: { case: 'timeMs', value: 1767225600000n } }).from).toEqual({ kind: 'time', timeMs: 1767225600000 });
    expect(fromOf({ position: { case: 'earliest', value: true } }).from).toEqual({ kind: 'earliest' });
    expect(fromOf({ position: { case: 'latest', value: true } }).from).toEqual({ kind: 'latest' });
    expect(fromOf({}).from).toEqual({ kind: 'latest' });
    expect(fromOf({}).policy).toBe('coalesce');
  });

  it('applies the same limits and explains refusals', () => {
    expect(fromSubscribeRequest(create(SubscribeRequestSchema, { streams: [] }))).toMatchObject({ ok: false, code: CloseCode.BadRequest, reason: 'streams: name at least one stream' });
    expect(fromSubscribeRequest(create(SubscribeRequestSchema, { streams: ['BAD'] }))).toMatchObject({ ok: false, code: CloseCode.BadRequest });
    const tooFar = create(SubscribeRequestSchema, { streams: ['s'], from: create(StartPositionSchema, { position: { case: 'afterSeq', value: 2n ** 60n } }) });
    expect(fromSubscribeRequest(tooFar)).toEqual({ ok: false, code: CloseCode.BadRequest, reason: 'from.after_seq is too large' });
    const negativeTime = create(SubscribeRequestSchema, { streams: ['s'], from: create(StartPositionSchema, { position: { case: 'timeMs', value: -5n } }) });
    expect(fromSubscribeRequest(negativeTime)).toMatchObject({ ok: false, reason: 'from.time: times start at 1970' });
    const resumeOther = create(SubscribeRequestSchema, { streams: ['s'], resumeAfterSeq: { other: 1n } });
    expect(fromSubscribeRequest(resumeOther)).toMatchObject({ ok: false, reason: 'resume.other: resume names "other", which is not in streams' });
    const resumeTooFar = create(SubscribeRequestSchema, { streams: ['s'], resumeAfterSeq: { s: 2n ** 63n } });
    expect(fromSubscribeRequest(resumeTooFar)).toMatchObject({ ok: false, reason: 'resume_after_seq["s"] is too large' });
  });
});

describe('parseSubscribeRequestBytes', () => {
  it('decodes a binary request', () => {
    const bytes = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { streams: ['sensors'], snapshot: true }));
    expect(parseSubscribeRequestBytes(bytes)).toMatchObject({ ok: true, subscription: { streams: ['sensors'], snapshot: true } });
  });

  it('refuses oversized and undecodable bytes', () => {
    expect(parseSubscribeRequestBytes(new Uint8Array(65_537))).toMatchObject({ ok: false, code: CloseCode.MessageTooBig });
    expect(parseSubscribeRequestBytes(new Uint8Array([0x0a, 0xff]))).toMatchObject({ ok: false, code: CloseCode.BadRequest });
  });

  it('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = parseSubscribeRequestBytes(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
