import type { JsonValue } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { jsonByteLength } from './json-size';

const reference = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('jsonByteLength', () => {
  it('is the UTF-8 length of JSON.stringify for any JSON value (escapes, surrogates, numbers)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }));
    const value = fc.letrec<{ json: JsonValue }>((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('json')),
        fc.dictionary(text, tie('json')),
      ),
    })).json;
    fc.assert(fc.property(value, (json) => expect(jsonByteLength(json)).toBe(reference(json))), { numRuns: 2000 });
  });

  it('leaves out what JSON.stringify leaves out, and defers to it for anything not plain data', () => {
    const odd = { a: undefined, b: () => 1, c: [undefined, () => 1], d: new Date(0), e: { toJSON: () => 'x' }, '': -0 } as unknown as JsonValue;
    expect(jsonByteLength(odd)).toBe(reference(odd));
    const bare = Object.assign(Object.create(null) as Record<string, JsonValue>, { k: 'v' });
    expect(jsonByteLength(bare)).toBe(reference(bare));
  });
});
