import type { JsonRecord, JsonValue } from './types';

// Kinds of JSON value, in the order a column's sub-columns are written.
export const KIND_NULL = 0;
export const KIND_BOOLEAN = 1;
export const KIND_NUMBER = 2;
export const KIND_STRING = 3;
/** Objects and arrays: written with the exact generic encoding. */
export const KIND_NESTED = 4;
export const KIND_COUNT = 5;

export function kindOf(value: JsonValue | undefined): number {
  switch (typeof value) {
    case 'boolean':
      return KIND_BOOLEAN;
    case 'number':
      return KIND_NUMBER;
    case 'string':
      return KIND_STRING;
    case 'object':
      return value === null ? KIND_NULL : KIND_NESTED;
    default:
      throw new TypeError(`delta-codec: ${typeof value} is not a JSON value`);
  }
}

/**
 * Sets an own, enumerable property. `target[key] = value` would instead set the prototype when key is
 * '__proto__' (a valid JSON key that JSON.parse makes an own property).
 */
export function setField(target: JsonRecord, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
