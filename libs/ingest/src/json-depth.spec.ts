import fc from 'fast-check';
import { nestsDeeperThan } from './json-depth';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The reference: the depth of a parsed value. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return 1 + children.reduce<number>((max, child) => Math.max(max, depthOf(child)), 0);
}

describe('nestsDeeperThan', () => {
  it('agrees with the depth of the parsed value, whatever the strings hold (brackets, quotes, escapes)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, limit) => {
        expect(nestsDeeperThan(utf8(JSON.stringify(value)), limit)).toBe(depthOf(value) > limit);
      }),
    );
  });

  it('answers a megabyte of "[[[" at once, without parsing it', () => {
    expect(nestsDeeperThan(utf8('['.repeat(1 << 20)), 128)).toBe(true);
    expect(nestsDeeperThan(utf8(`${'['.repeat(128)}${']'.repeat(128)}`), 128)).toBe(false);
    expect(nestsDeeperThan(utf8('{"a":"[[[[\\"[[[["}'), 1)).toBe(false);
  });
});
