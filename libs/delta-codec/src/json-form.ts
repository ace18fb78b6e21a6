import { decodeRecords } from './decode';
import type { JsonRecord, JsonValue } from './types';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The records of a delta payload as a UTF-8 JSON array: the other form a frame payload can take
 * (`PayloadEncoding.JSON`), for a stage that keeps whichever form is smaller after compression.
 * Undefined when JSON cannot carry the records exactly: it has no -0 (key order, `__proto__` keys, big and
 * fractional numbers survive `JSON.stringify` → `JSON.parse` as they are). Throws DeltaDecodeError for a
 * payload that does not decode.
 */
export function recordsAsJson(payload: Uint8Array): Uint8Array | undefined {
  const records = decodeRecords(payload);
  for (const record of records) if (holdsNegativeZero(record)) return undefined;
  return utf8.encode(JSON.stringify(records));
}

/**
 * The records of a JSON payload (a UTF-8 JSON array of objects), what a reader does with a frame whose
 * encoding is JSON. Throws an Error naming what is wrong for anything else.
 */
export function recordsFromJson(payload: Uint8Array): JsonRecord[] {
  const parsed: unknown = JSON.parse(strictUtf8.decode(payload));
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new Error('a JSON payload is an array of objects');
  }
  return parsed as JsonRecord[];
}

/** Depth is bounded by the decoder's MAX_DEPTH, so the recursion is too. */
function holdsNegativeZero(value: JsonValue): boolean {
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNegativeZero(item)) return true;
    return false;
  }
  for (const key in value) if (holdsNegativeZero(value[key] as JsonValue)) return true;
  return false;
}
