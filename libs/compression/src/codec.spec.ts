import { CODEC_NAMES, LEVEL_RANGES, choiceKey, isCodecName, normalizeChoice, parseCodecChoice, resolveLevel } from './codec';

describe('codec levels', () => {
  it('defaults levels per codec and keeps none/lz4/snappy level-less', () => {
    expect(resolveLevel('gzip')).toBe(6);
    expect(resolveLevel('brotli')).toBe(5);
    expect(resolveLevel('zstd')).toBe(3);
    for (const codec of ['none', 'lz4', 'snappy'] as const) expect(resolveLevel(codec)).toBeUndefined();
  });

  it.each([
    ['gzip', 1, 9],
    ['brotli', 0, 11],
    ['zstd', 1, 22],
  ] as const)('accepts %s levels %i..%i and nothing outside', (codec, min, max) => {
    expect(LEVEL_RANGES[codec]).toMatchObject({ min, max });
    expect(resolveLevel(codec, min)).toBe(min);
    expect(resolveLevel(codec, max)).toBe(max);
    expect(() => resolveLevel(codec, min - 1)).toThrow(RangeError);
    expect(() => resolveLevel(codec, max + 1)).toThrow(RangeError);
    expect(() => resolveLevel(codec, min + 0.5)).toThrow(RangeError);
    expect(() => resolveLevel(codec, Number.NaN)).toThrow(RangeError);
  });

  it('refuses a level on a codec that has none', () => {
    expect(() => resolveLevel('lz4', 1)).toThrow(/takes no level/);
    expect(() => resolveLevel('none', 0)).toThrow(RangeError);
  });

  it('normalizes choices so equal choices share a key', () => {
    expect(choiceKey(normalizeChoice({ codec: 'zstd' }))).toBe('zstd:3');
    expect(choiceKey(normalizeChoice({ codec: 'zstd', level: 3 }))).toBe('zstd:3');
    expect(choiceKey(normalizeChoice({ codec: 'snappy' }))).toBe('snappy');
    expect(() => normalizeChoice({ codec: 'lzma' as never })).toThrow(RangeError);
  });

  it('parses config text', () => {
    expect(parseCodecChoice('zstd:19')).toEqual({ codec: 'zstd', level: 19 });
    expect(parseCodecChoice(' GZIP ')).toEqual({ codec: 'gzip', level: 6 });
    expect(parseCodecChoice('lz4')).toEqual({ codec: 'lz4' });
    for (const bad of ['', 'auto', 'zstd:', 'zstd:23', 'lz4:1', 'gzip:-1', 'zstd:3:1']) {
      expect(() => parseCodecChoice(bad)).toThrow(RangeError);
    }
  });

  it('recognizes exactly the six codec names', () => {
    expect(CODEC_NAMES).toEqual(['none', 'gzip', 'brotli', 'zstd', 'lz4', 'snappy']);
    expect(CODEC_NAMES.every(isCodecName)).toBe(true);
    for (const other of ['deflate', 'GZIP', '', 5, undefined, null]) expect(isCodecName(other)).toBe(false);
  });
});
