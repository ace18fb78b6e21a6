import type { FieldCursorConfig } from '@deltastream/suite-config';

/**
 * Field-mode cursor rules. A cursor is the maximum value of a record field; `position` is that value on a
 * number line (ms for time formats) so cursors compare and rewind, while `value` keeps the upstream's own
 * text so the next request repeats it exactly (no precision lost to re-formatting).
 */
export interface FieldCursor {
  readonly value: string;
  readonly position: number;
}

export type CursorFormat = FieldCursorConfig['format'];

/** The position of a cursor field value, or undefined when it does not parse in `format`. */
export function positionOf(raw: unknown, format: CursorFormat): number | undefined {
  if (format === 'iso8601') {
    if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(raw)) return undefined;
    const ms = Date.parse(raw);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(number)) return undefined;
  return format === 'epoch-s' ? number * 1000 : number;
}

export function cursorFrom(raw: unknown, format: CursorFormat): FieldCursor | undefined {
  const position = positionOf(raw, format);
  return position === undefined ? undefined : { value: String(raw), position };
}

/** The cursor value for a position (used when rewinding, where no upstream text exists). */
export function formatPosition(position: number, format: CursorFormat): string {
  switch (format) {
    case 'iso8601':
      return new Date(position).toISOString();
    case 'epoch-s':
      return String(Math.floor(position / 1000));
    default:
      return String(position);
  }
}

/**
 * Where the next request starts. Normally one unit before the stored cursor, so records sharing the
 * boundary value that a full page cut off are fetched again (duplicates are suppressed by
 * (entity, version)); after an error, a restart or a takeover, `overlap` further back.
 */
export function requestCursor(stored: FieldCursor, config: Pick<FieldCursorConfig, 'format' | 'overlap'>, recovering: boolean): string {
  const unit = config.format === 'epoch-s' ? 1000 : 1;
  const rewind = recovering ? Math.max(config.overlap, unit) : unit;
  return formatPosition(stored.position - rewind, config.format);
}

/** The larger of two cursors: a cursor never moves backwards. */
export function maxCursor(a: FieldCursor, b: FieldCursor | undefined): FieldCursor {
  return b !== undefined && b.position > a.position ? b : a;
}
