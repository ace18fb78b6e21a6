import { CODEC_NAMES } from './codec';
import { fallbackFor, needsFallback } from './fallback';

describe('browser fallback', () => {
  it.each([
    ['none', undefined],
    ['gzip', undefined],
    ['brotli', 'gzip'],
    ['zstd', 'gzip'],
    ['lz4', 'gzip'],
    ['snappy', 'gzip'],
  ] as const)('%s → %p', (codec, expected) => {
    expect(fallbackFor(codec)).toBe(expected);
    expect(needsFallback(codec)).toBe(expected !== undefined);
  });

  it('covers every codec', () => {
    expect(CODEC_NAMES.filter(needsFallback)).toEqual(['brotli', 'zstd', 'lz4', 'snappy']);
  });
});
