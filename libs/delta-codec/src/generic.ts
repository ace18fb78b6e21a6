import { DeltaDecodeError } from './errors';
import { MAX_DEPTH, MAX_INT_MAGNITUDE } from './limits';
import { setField } from './json';
import type { ByteReader } from './reader';
import type { StringTable } from './strings';
import type { JsonRecord, JsonValue } from './types';
import type { ByteWriter } from './writer';

// The exact fallback for nested objects and arrays: a tag byte per value, then its payload. Strings and
// object keys go through the frame's string table; key order is kept. Integers are zig-zag varints,
// every other number (fractions, -0, 1e300, 5e-324) its float64 bits.

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_INT = 3;
const TAG_FLOAT64 = 4;
const TAG_STRING = 5;
const TAG_ARRAY = 6;
const TAG_OBJECT = 7;

/** `value` may be undefined only to report it: undefined (like functions or bigints) is not JSON. */
export function writeGeneric(writer: ByteWriter, strings: StringTable, value: JsonValue | undefined, depth = 0): void {
  if (value === null) return writer.u8(TAG_NULL);
  switch (typeof value) {
    case 'boolean':
      return writer.u8(value ? TAG_TRUE : TAG_FALSE);
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) <= MAX_INT_MAGNITUDE && !Object.is(value, -0)) {
        writer.u8(TAG_INT);
        return writer.svarint(value);
      }
      writer.u8(TAG_FLOAT64);
      return writer.float64(value);
    case 'string':
      writer.u8(TAG_STRING);
      return writer.varint(strings.index(value));
    case 'object':
      break;
    default:
      throw new TypeError(`delta-codec: ${typeof value} is not a JSON value`);
  }
  if (depth >= MAX_DEPTH) throw new RangeError(`delta-codec: values nest deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    writer.u8(TAG_ARRAY);
    writer.varint(value.length);
    for (const item of value) writeGeneric(writer, strings, item, depth + 1);
    return;
  }
  const keys = Object.keys(value);
  writer.u8(TAG_OBJECT);
  writer.varint(keys.length);
  for (const key of keys) {
    writer.varint(strings.index(key));
    writeGeneric(writer, strings, value[key], depth + 1);
  }
}

export function readGeneric(reader: ByteReader, strings: readonly string[], depth = 0): JsonValue {
  const tag = reader.u8();
  switch (tag) {
    case TAG_NULL:
      return null;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_INT:
      return reader.svarint();
    case TAG_FLOAT64:
      return reader.float64();
    case TAG_STRING:
      return stringAt(strings, reader.varint());
  }
  if (tag !== TAG_ARRAY && tag !== TAG_OBJECT) throw new DeltaDecodeError(`unknown value tag ${tag}`);
  if (depth >= MAX_DEPTH) throw new DeltaDecodeError(`values nest deeper than ${MAX_DEPTH} levels`);
  if (tag === TAG_ARRAY) {
    // Every item takes at least its tag byte.
    const length = reader.count(1, 'array item');
    const items = new Array<JsonValue>(length);
    for (let i = 0; i < length; i++) items[i] = readGeneric(reader, strings, depth + 1);
    return items;
  }
  // Every entry takes at least a key byte and a tag byte.
  const length = reader.count(2, 'object entry');
  const object: JsonRecord = {};
  for (let i = 0; i < length; i++) {
    const key = stringAt(strings, reader.varint());
    setField(object, key, readGeneric(reader, strings, depth + 1));
  }
  return object;
}

export function stringAt(strings: readonly string[], index: number): string {
  const text = strings[index];
  if (text === undefined) throw new DeltaDecodeError(`string index ${index} is out of range`);
  return text;
}
