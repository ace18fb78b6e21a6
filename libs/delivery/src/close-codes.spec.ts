import fc from 'fast-check';
import { CloseCode, closeCodeRules, closeReason, GrpcStatus, grpcStatusFor, httpStatusFor, MAX_CLOSE_REASON_BYTES, utf8Length } from './close-codes';
import { authorizeStreams } from './stream-access';

// One-, two-, three- and four-byte characters and a lone surrogate, long enough to cross 123 bytes.
const mixedWidthText = fc.array(fc.constantFrom('a', 'é', '€', '😀', '\ud800'), { maxLength: 200 }).map((chars) => chars.join(''));

describe('close codes', () => {
  it('pins the numeric codes clients depend on', () => {
    expect(CloseCode).toEqual({
      GoingAway: 1001,
      MessageTooBig: 1009,
      SlowConsumer: 4008,
      RateLimited: 4009,
      BadRequest: 4400,
      Unauthorized: 4401,
      StreamNotAllowed: 4403,
      UnknownStream: 4404,
    });
  });

  it('maps each code to its gRPC and HTTP status', () => {
    const table = Object.values(CloseCode).map((code) => [code, grpcStatusFor(code), httpStatusFor(code)]);
    expect(table).toEqual([
      [1001, GrpcStatus.UNAVAILABLE, 503],
      [1009, GrpcStatus.RESOURCE_EXHAUSTED, 413],
      [4008, GrpcStatus.RESOURCE_EXHAUSTED, 503],
      [4009, GrpcStatus.RESOURCE_EXHAUSTED, 429],
      [4400, GrpcStatus.INVALID_ARGUMENT, 400],
      [4401, GrpcStatus.UNAUTHENTICATED, 401],
      [4403, GrpcStatus.PERMISSION_DENIED, 403],
      [4404, GrpcStatus.NOT_FOUND, 404],
    ]);
  });

  it('gives every code a distinct stable name', () => {
    const names = Object.values(closeCodeRules).map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    expect(closeCodeRules[CloseCode.SlowConsumer]).toMatchObject({ name: 'slow_consumer', clientAction: 'reconnect-after-backoff' });
  });

  it('cuts close reasons to 123 UTF-8 bytes on a character boundary', () => {
    expect(closeReason('short')).toBe('short');
    expect(closeReason('x'.repeat(200))).toBe('x'.repeat(123));
    // 41 three-byte characters are 123 bytes; a 42nd does not fit, and a 4-byte emoji is never split.
    expect(closeReason('€'.repeat(50))).toBe('€'.repeat(41));
    expect(closeReason(`${'x'.repeat(121)}😀`)).toBe('x'.repeat(121));
    fc.assert(
      fc.property(mixedWidthText, (text) => {
        const reason = closeReason(text);
        expect(text.startsWith(reason)).toBe(true);
        expect(utf8Length(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
      }),
    );
  });

  it('measures UTF-8 like TextEncoder does', () => {
    fc.assert(
      fc.property(fc.oneof(mixedWidthText, fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });
});

describe('stream access', () => {
  const access = { isAllowed: (s: string) => s !== 'secret' && s !== 'ghost-secret', isKnown: (s: string) => s !== 'ghost' && s !== 'ghost-secret' };

  it('refuses streams the caller may not see before revealing which exist', () => {
    expect(authorizeStreams(['sensors'], access)).toEqual({ ok: true });
    expect(authorizeStreams(['sensors', 'ghost'], access)).toMatchObject({ ok: false, code: CloseCode.UnknownStream });
    expect(authorizeStreams(['ghost', 'secret'], access)).toMatchObject({ ok: false, code: CloseCode.StreamNotAllowed, reason: 'stream "secret" is not allowed' });
    expect(authorizeStreams(['ghost-secret'], access)).toMatchObject({ ok: false, code: CloseCode.StreamNotAllowed });
  });
});
