import fc from 'fast-check';
import { isWellFormedUtf8, readUtf8, writeUtf8 } from './utf8';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decodes = (bytes: Uint8Array): boolean => {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('utf8', () => {
  it('writes what TextEncoder writes (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.string({ unit: 'binary', minLength: 60, maxLength: 200 }), fc.string({ minLength: 60, maxLength: 200 })), (text) => {
        const into = new Uint8Array(text.length * 3 + 1);
        const end = writeUtf8(text, into, 1);
        expect(into.subarray(1, end)).toEqual(new TextEncoder().encode(text));
      }),
    );
  });

  it('accepts exactly the bytes a fatal TextDecoder accepts, and reads them the same', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary' }).map((text) => new TextEncoder().encode(text)),
      fc.array(fc.constantFrom(0x41, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x9f, 0xa0, 0x90, 0x8f), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
      // Long ASCII runs around a few arbitrary bytes: the eight-at-a-time skip must stop at each of them.
      fc.tuple(fc.uint8Array({ maxLength: 30, max: 0x7f }), fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 30, max: 0x7f })).map(([a, b, c]) => Uint8Array.from([...a, ...b, ...c])),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const ok = decodes(input);
        expect(isWellFormedUtf8(input, 0, input.length)).toBe(ok);
        // The same bytes inside a larger buffer with a non-ASCII byte right after them: only [start, end) counts.
        const padded = Uint8Array.from([0x41, ...input, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        expect(isWellFormedUtf8(padded, 1, 1 + input.length)).toBe(ok);
        if (ok) expect(readUtf8(input, 0, input.length)).toBe(fatal.decode(input));
        else expect(() => readUtf8(input, 0, input.length)).toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
