import type { JsonValue } from './json';

export const coerceTargets = ['number', 'integer', 'string', 'boolean', 'timestamp-ms'] as const;
export type CoerceTarget = (typeof coerceTargets)[number];

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
// 2026-01-02, 2026-01-02T03:04, …:05, …:05.123456, then Z, ±hh, ±hhmm or ±hh:mm; a space may stand for T.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function decimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}

function toNumber(value: JsonValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return decimal(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/**
 * Epoch milliseconds from an ISO-8601 date or date-time. A date-time without a zone is read as UTC
 * (never as the host's local time), so the result does not depend on where the enricher runs.
 */
export function parseIsoMs(text: string): number | undefined {
  const match = ISO.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  if (utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) return undefined; // 2026-02-30
  utc.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const ms = utc.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Epoch milliseconds from a number (taken as ms), a numeric string or an ISO-8601 string. */
export function toTimestampMs(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const number = decimal(value);
  if (number !== undefined) return Math.floor(number);
  return parseIsoMs(value);
}

/**
 * The value converted to `target`, or undefined when it cannot be converted (a transform error).
 * `null` is not handled here: the coerce step leaves nulls alone.
 *
 * | target | accepts |
 * |---|---|
 * | number | finite numbers; decimal strings (`" 21.5 "`, `"1e3"`; not hex, not `""`); booleans → 1/0 |
 * | integer | as number, then it must be a safe integer (21.5 is an error, not truncated) |
 * | string | strings; numbers and booleans as text (objects and arrays are errors) |
 * | boolean | booleans; 1/0; `true/false/yes/no/1/0` (any case, trimmed) |
 * | timestamp-ms | numbers (epoch ms, floored); numeric strings; ISO-8601 dates/date-times (no zone = UTC) |
 */
export function coerceValue(value: JsonValue, target: CoerceTarget): JsonValue | undefined {
  switch (target) {
    case 'number':
      return toNumber(value);
    case 'integer': {
      const number = toNumber(value);
      return number !== undefined && Number.isSafeInteger(number) ? number : undefined;
    }
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
      }
      return undefined;
    case 'timestamp-ms':
      return toTimestampMs(value);
  }
}
