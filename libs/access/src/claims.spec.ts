import fc from 'fast-check';
import { streamPatternsFromClaims } from './claims';
import { isStreamPattern } from './stream-pattern';

const validPattern = fc.string({ unit: fc.constantFrom(...'abc019._-*'), minLength: 1, maxLength: 12 });

describe('stream claims', () => {
  it('returns the streams claim and every streams:read: scope entry, deduplicated', () => {
    fc.assert(
      fc.property(fc.array(validPattern, { maxLength: 10 }), fc.array(validPattern, { maxLength: 10 }), fc.array(fc.constantFrom('openid', 'profile', 'orders:write'), { maxLength: 3 }), (claim, scoped, other) => {
        const scope = [...scoped.map((p) => `streams:read:${p}`), ...other].join(' ');
        const result = streamPatternsFromClaims({ streams: claim, scope });
        expect(result).toEqual({ ok: true, patterns: [...new Set([...claim, ...scoped])] });
      }),
    );
  });

  it('never throws, and whatever it accepts is a list of valid patterns', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('streams', 'scope', 'sub', '__proto__'), fc.anything()), (payload) => {
        const result = streamPatternsFromClaims(payload);
        if (result.ok) expect(result.patterns.every(isStreamPattern)).toBe(true);
      }),
    );
  });

  it('refuses malformed claims instead of skipping them', () => {
    expect(streamPatternsFromClaims({ streams: 'sensors' })).toMatchObject({ ok: false, reason: expect.stringContaining('array') });
    expect(streamPatternsFromClaims({ streams: ['Sensors'] })).toMatchObject({ ok: false });
    expect(streamPatternsFromClaims({ streams: [1] })).toMatchObject({ ok: false });
    expect(streamPatternsFromClaims({ scope: ['streams:read:x'] })).toMatchObject({ ok: false });
    expect(streamPatternsFromClaims({ scope: 'streams:read:a/b' })).toMatchObject({ ok: false });
    expect(streamPatternsFromClaims({ streams: Array.from({ length: 101 }, (_, i) => `s${i}`) })).toMatchObject({ ok: false });
  });

  it('grants nothing when neither claim is present, and honours a custom claim name', () => {
    expect(streamPatternsFromClaims({ sub: 'x' })).toEqual({ ok: true, patterns: [] });
    expect(streamPatternsFromClaims({ 'https://example.com/streams': ['a'] }, { streamsClaim: 'https://example.com/streams', scopePrefix: 'read:' })).toEqual({ ok: true, patterns: ['a'] });
  });
});
