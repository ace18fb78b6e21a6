import fc from 'fast-check';
import { isStreamPattern, matchesAnyStreamPattern, matchesStreamPattern } from './stream-pattern';

const streamChar = fc.constantFrom(...'abcz019._-');
const streamName = fc.string({ unit: streamChar, minLength: 1, maxLength: 20 });
const pattern = fc.string({ unit: fc.oneof(streamChar, fc.constant('*')), minLength: 1, maxLength: 12 });

/** Reference semantics: `*` is `.*`, everything else literal. */
function reference(p: string, stream: string): boolean {
  const source = p
    .split('*')
    .map((part) => part.replace(/[.-]/g, (c) => `\\${c}`))
    .join('.*');
  return new RegExp(`^${source}$`).test(stream);
}

describe('stream patterns', () => {
  it('match exactly like the regular-expression reference', () => {
    fc.assert(fc.property(pattern, streamName, (p, s) => matchesStreamPattern(p, s) === reference(p, s)), { numRuns: 5000 });
  });

  it('a pattern without * matches only itself', () => {
    fc.assert(fc.property(streamName, streamName, (p, s) => matchesStreamPattern(p, s) === (p === s)));
  });

  it('`*` matches every name and `prefix*` every name with the prefix', () => {
    fc.assert(fc.property(streamName, streamName, (prefix, rest) => matchesStreamPattern('*', rest) && matchesStreamPattern(`${prefix}*`, prefix + rest)));
  });

  it('examples', () => {
    expect(matchesStreamPattern('iot.*', 'iot.sensors')).toBe(true);
    expect(matchesStreamPattern('iot.*', 'iot')).toBe(false);
    expect(matchesStreamPattern('iot.*', 'iotx.sensors')).toBe(false);
    expect(matchesStreamPattern('*.eu', 'trades.eu')).toBe(true);
    expect(matchesStreamPattern('a*b*c', 'axxbyyc')).toBe(true);
    expect(matchesStreamPattern('a*b*c', 'axxbyy')).toBe(false);
    expect(matchesAnyStreamPattern(['sensors', 'iot.*'], 'iot.x')).toBe(true);
    expect(matchesAnyStreamPattern([], 'sensors')).toBe(false);
  });

  it('stays fast on hostile patterns', () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) matchesStreamPattern('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(63));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('validates pattern syntax', () => {
    expect(isStreamPattern('iot.*')).toBe(true);
    expect(isStreamPattern('*')).toBe(true);
    for (const bad of ['', 'Sensors', 'a b', 'a/b', '?', 'x'.repeat(129)]) expect(isStreamPattern(bad)).toBe(false);
  });
});
