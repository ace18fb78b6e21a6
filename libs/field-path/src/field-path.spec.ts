import fc from 'fast-check';
import { entityIdReader, joinIdParts, parseFieldPath } from './index';

const key = fc.string({ minLength: 1, maxLength: 8 });
const plainKey = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/);

/** An object with `value` at the end of `keys` (each level also holding a decoy). */
function nest(keys: readonly string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((inner, k) => ({ decoy: 1, [k]: inner }), value);
}
const pointerOf = (keys: readonly string[]) => keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

describe('parseFieldPath', () => {
  it('a JSON Pointer reaches any key, whatever characters it holds', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 5 }), fc.jsonValue(), (keys, value) => {
        expect(parseFieldPath(pointerOf(keys)).read(nest(keys, value))).toEqual(value);
      }),
    );
  });

  it('a dotted path reaches keys without dots, and equals the pointer to them', () => {
    fc.assert(
      fc.property(fc.array(plainKey, { minLength: 1, maxLength: 5 }), fc.jsonValue(), (keys, value) => {
        const record = nest(keys, value);
        expect(parseFieldPath(keys.join('.')).read(record)).toEqual(value);
        expect(parseFieldPath(keys.join('.')).read(record)).toEqual(parseFieldPath(pointerOf(keys)).read(record));
      }),
    );
  });

  it('reads array elements by index, and nothing from missing steps, scalars or inherited properties', () => {
    const body = { data: { items: [{ id: 'a' }, { id: 'b' }] }, n: 3 };
    expect(parseFieldPath('data.items.1.id').read(body)).toBe('b');
    expect(parseFieldPath('/data/items/0/id').read(body)).toBe('a');
    expect(parseFieldPath('data.items.2.id').read(body)).toBeUndefined();
    expect(parseFieldPath('data.items.01').read(body)).toBeUndefined();
    expect(parseFieldPath('n.x').read(body)).toBeUndefined();
    expect(parseFieldPath('constructor').read({})).toBeUndefined();
    expect(parseFieldPath('toString').read({})).toBeUndefined();
    expect(parseFieldPath('').read(body)).toBe(body);
    expect(parseFieldPath('/a.b').read({ 'a.b': 1, a: { b: 2 } })).toBe(1);
    expect(parseFieldPath('a.b').read({ 'a.b': 1, a: { b: 2 } })).toBe(2);
  });

  it('refuses malformed paths with a reason', () => {
    expect(() => parseFieldPath('a..b')).toThrow(/empty segment/);
    expect(() => parseFieldPath('.a')).toThrow(/empty segment/);
    expect(() => parseFieldPath('a.')).toThrow(/empty segment/);
    expect(() => parseFieldPath('/a~2b')).toThrow(/~/);
    expect(() => parseFieldPath('/a~')).toThrow(/~/);
  });
});

describe('entityIdReader', () => {
  it('joins composite ids so that different tuples never give the same id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(key, { minLength: n, maxLength: n }), fc.array(key, { minLength: n, maxLength: n }))), ([a, b]) => {
        expect(joinIdParts(a) === joinIdParts(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });

  it('reads one path or several, says which is missing or of the wrong type', () => {
    const flight = { carrier: 'UA', flight: 1545, plane: { tail: 'N14228' }, 'a:b': 'x:y' };
    expect(entityIdReader('carrier').read(flight)).toEqual({ ok: true, id: 'UA' });
    expect(entityIdReader(['carrier', 'flight']).read(flight)).toEqual({ ok: true, id: 'UA:1545' });
    expect(entityIdReader(['plane.tail', '/a:b']).read(flight)).toEqual({ ok: true, id: 'N14228:x\\:y' });
    expect(entityIdReader(['carrier', 'gate']).read(flight)).toEqual({ ok: false, problem: 'missing', path: 'gate' });
    expect(entityIdReader('plane').read(flight)).toMatchObject({ ok: false, problem: 'wrong_type', path: 'plane' });
    expect(entityIdReader('carrier').read({ carrier: '' })).toMatchObject({ ok: false, problem: 'missing' });
    expect(entityIdReader('carrier').topLevelKey).toBe('carrier');
    expect(entityIdReader('plane.tail').topLevelKey).toBeUndefined();
    expect(entityIdReader(['carrier', 'flight']).text).toBe('[carrier, flight]');
    expect(entityIdReader(['plane.tail', '/plane/model', 'carrier']).rootKeys).toEqual(['plane', 'carrier']);
    expect(() => entityIdReader([])).toThrow();
    expect(() => entityIdReader('')).toThrow();
  });

  it('projects the id fields of a record at their paths, with their values as they are', () => {
    const record = { id: 7, properties: { net: 'ci', code: '123', mag: 2.1 }, '__proto__': 'x', other: true };
    expect(entityIdReader('id').idFields(record)).toEqual({ id: 7 });
    expect(entityIdReader(['properties.net', '/properties/code']).idFields(record)).toEqual({ properties: { net: 'ci', code: '123' } });
    const tricky = entityIdReader('/__proto__').idFields(JSON.parse('{"__proto__": "own"}'));
    expect(Object.keys(tricky)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tricky)).toBe(Object.prototype);
    expect(entityIdReader('missing').idFields(record)).toEqual({});
    // Whatever the record, reading the id back from its projection gives the same id.
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(fc.string({ minLength: 1 }), fc.integer())))), (value) => {
        const reader = entityIdReader(['a', 'b.a', '/c']);
        expect(reader.idOf(reader.idFields(value))).toBe(reader.idOf(value));
      }),
    );
  });
});
