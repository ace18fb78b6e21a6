// Codec names and levels. Browser-safe (no Node imports): the client SDK reuses these names.

/** Frame payload codecs. `none` is a codec like the others so every frame names exactly one. */
export type CodecName = 'none' | 'gzip' | 'brotli' | 'zstd' | 'lz4' | 'snappy';

export const CODEC_NAMES: readonly CodecName[] = ['none', 'gzip', 'brotli', 'zstd', 'lz4', 'snappy'];

/** A codec and, for codecs that have one, its level. `level` is absent for none/lz4/snappy. */
export interface CodecChoice {
  readonly codec: CodecName;
  readonly level?: number;
}

interface LevelRange {
  readonly min: number;
  readonly max: number;
  /**
   * Used when no level is given. Brotli's library default is 11, far too slow for a live stream
   * (about 1 MB/s), so ours is 5; gzip and zstd keep their library defaults.
   */
  readonly default: number;
}

/** Levels per codec; codecs missing here take no level. zstd's negative "fast" levels are not offered. */
export const LEVEL_RANGES: Readonly<Partial<Record<CodecName, LevelRange>>> = {
  gzip: { min: 1, max: 9, default: 6 },
  brotli: { min: 0, max: 11, default: 5 },
  zstd: { min: 1, max: 22, default: 3 },
};

export function isCodecName(value: unknown): value is CodecName {
  return typeof value === 'string' && (CODEC_NAMES as readonly string[]).includes(value);
}

/**
 * The level actually used for `codec`: the default when none is given, `undefined` for codecs without
 * levels. Throws RangeError for an out-of-range or non-integer level, or any level on a codec that has
 * none — a config saying `lz4:9` is a mistake worth surfacing, not silently ignoring.
 */
export function resolveLevel(codec: CodecName, level?: number): number | undefined {
  const range = LEVEL_RANGES[codec];
  if (range === undefined) {
    if (level !== undefined) throw new RangeError(`codec ${codec} takes no level (got ${level})`);
    return undefined;
  }
  if (level === undefined) return range.default;
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    throw new RangeError(`${codec} level must be an integer in ${range.min}..${range.max} (got ${level})`);
  }
  return level;
}

/** The choice with its level resolved (defaulted and validated); equal choices get equal keys. */
export function normalizeChoice(choice: CodecChoice): CodecChoice {
  if (!isCodecName(choice.codec)) throw new RangeError(`unknown codec ${String(choice.codec)}`);
  const level = resolveLevel(choice.codec, choice.level);
  return level === undefined ? { codec: choice.codec } : { codec: choice.codec, level };
}

/** Stable text form, `zstd:3` or `lz4`; also the syntax `parseCodecChoice` reads. */
export function choiceKey(choice: CodecChoice): string {
  return choice.level === undefined ? choice.codec : `${choice.codec}:${choice.level}`;
}

/** Parses `zstd`, `zstd:3`, `lz4` (e.g. from config); RangeError for anything else. */
export function parseCodecChoice(text: string): CodecChoice {
  const match = /^([a-z0-9]+)(?::(\d+))?$/.exec(text.trim().toLowerCase());
  const name = match?.[1];
  if (match === null || !isCodecName(name)) throw new RangeError(`not a codec choice: "${text}" (expected e.g. zstd:3, lz4)`);
  return normalizeChoice(match[2] === undefined ? { codec: name } : { codec: name, level: Number(match[2]) });
}
