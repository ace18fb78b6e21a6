import fc from 'fast-check';
import { DeltaDecodeError } from './errors';
import { ByteReader } from './reader';
import { readStringTable, StringTable } from './strings';
import { ByteWriter } from './writer';

function roundTrip(texts: readonly string[]): { entries: string[]; bytes: Uint8Array } {
  const table = new StringTable();
  for (const text of texts) table.index(text);
  const writer = new ByteWriter();
  table.write(writer);
  const bytes = writer.finish();
  const reader = new ByteReader(bytes);
  const entries = readStringTable(reader);
  expect(reader.remaining).toBe(0);
  return { entries, bytes };
}

describe('string table', () => {
  it('indexes each distinct string once, in first-use order', () => {
    const table = new StringTable();
    expect(['ok', 'warn', 'ok', '', 'warn'].map((text) => table.index(text))).toEqual([0, 1, 0, 2, 1]);
  });

  it('round-trips any JS strings exactly, lone surrogates included', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom('a', '\uD83D', '\uDE00', '\uFEFF') }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(text, { maxLength: 20 }), (texts) => {
        expect(roundTrip(texts).entries).toEqual(texts);
      }),
    );
  });

  it('keeps a leading byte-order mark (TextDecoder would strip it by default)', () => {
    expect(roundTrip(['\uFEFFa', '\uFEFF']).entries).toEqual(['\uFEFFa', '\uFEFF']);
  });

  it('never splits a surrogate pair between the shared prefix and the suffix, so the text stays UTF-8', () => {
    // Same high surrogate, different low one: a prefix ending inside the pair would leave a lone low
    // surrogate in the text and force the (twice as large) UTF-16 encoding.
    const { entries, bytes } = roundTrip(['x😀', 'x😁', 'x😁y']);
    expect(entries).toEqual(['x😀', 'x😁', 'x😁y']);
    expect(bytes[0]).toBe(0);
  });

  it('switches to UTF-16 code units only when a string holds a lone surrogate', () => {
    expect(roundTrip(['ok', '😀']).bytes[0]).toBe(0);
    expect(roundTrip(['ok', '\uD83D']).bytes[0]).toBe(1);
  });

  it('front-codes similar entity ids into a few bytes each', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `sensor-${String(i).padStart(3, '0')}`);
    const { entries, bytes } = roundTrip(ids);
    expect(entries).toEqual(ids);
    // ~3 bytes per id (prefix length, suffix length, last digit) instead of 11.
    expect(bytes.length).toBeLessThanOrEqual(170);
  });

  it('rejects corrupt tables', () => {
    const bad = [
      Uint8Array.of(2, 0, 0), // unknown text encoding
      Uint8Array.of(0, 1, 0, 2, 1, 0xff), // invalid UTF-8
      Uint8Array.of(0, 1, 1, 1, 1, 0x61), // prefix longer than the previous entry
      Uint8Array.of(0, 1, 0, 2, 1, 0x61), // suffix longer than the text
      Uint8Array.of(0, 1, 0, 1, 2, 0x61, 0x62), // text left over
      Uint8Array.of(1, 1, 0, 1, 1, 0x61), // odd UTF-16 byte length
      Uint8Array.of(0, 100, 0, 1), // more entries than bytes
    ];
    for (const bytes of bad) expect(() => readStringTable(new ByteReader(bytes))).toThrow(DeltaDecodeError);
  });
});
